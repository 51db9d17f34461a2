import { read } from '@taxi/kafka';
import type { CliContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { decodeMessage, position, type ShownMessage } from '../messages';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One line about an event of the ride. */
const describe = (shown: ShownMessage): string => {
  const event = shown.event as { type?: string; payload?: Record<string, unknown> } | undefined;
  const p = event?.payload ?? {};
  const fare = p['fare'] as { amount: number; currency: string } | undefined;
  const details: Record<string, string> = {
    'ride.requested': `customer ${String(p['customerId'])}, ${String(p['passengers'])} passenger(s)`,
    'ride.confirmed': `driver ${String((p['driver'] as { id?: string })?.id)}, pickup in ${String((p['pickupEta'] as { seconds?: number })?.seconds)} s, fare ${fare ? `${(fare.amount / 100).toFixed(2)} ${fare.currency}` : '?'}`,
    'ride.rejected': `${String(p['reason'])}: ${String(p['detail'])}`,
    'email.sent': `${String(p['kind'])} email sent`,
  };
  const type = event?.type ?? '(undecodable)';
  return `${position(shown)}  ${type}  ${details[type] ?? ''}`.trimEnd();
};

/**
 * `taxi ride watch <rideId>`: every event of one ride, on every topic, with where it sits in Kafka,
 * until its email was sent. Every event of a ride has the ride id as key, so they all sit in the
 * same partition number of their topics.
 */
export const rideWatchCommand = async (
  context: CliContext,
  rideId: string,
  options: { json?: boolean; timeout: string },
  interrupted: Promise<void>,
): Promise<void> => {
  if (!UUID.test(rideId)) throw new CliError(`${rideId} is not a ride id (a UUID)`, EXIT.usage);
  const { rideRequested, rideConfirmed, rideRejected, emailsSent } = context.topics;
  // Topics are read side by side, so from the beginning the email may come before the request:
  // each event waits for the stage before it (request, outcome, email) to be printed.
  const stageOf = (topic: string) =>
    topic === rideRequested.name ? 0 : topic === emailsSent.name ? 2 : 1;
  const held: ShownMessage[][] = [[], [], []];
  const printed = [false, false, false];
  const show = (shown: ShownMessage) => {
    held[stageOf(shown.topic)]?.push(shown);
    for (const stage of [0, 1, 2]) {
      if (stage > 0 && !printed[stage - 1]) break;
      for (const event of held[stage]?.splice(0) ?? []) {
        context.print(options.json ? JSON.stringify(event) : describe(event));
        printed[stage] = true;
      }
    }
    if (printed.every(Boolean)) finish();
  };
  let requested = false;
  let finish: (error?: CliError) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = (error) => (error ? reject(error) : resolve());
  });
  finished.catch(() => undefined); // settled after the race is over: nobody waits any more
  const tail = await read({
    kafka: context.kafka,
    logger: context.logger,
    topics: [rideRequested.name, rideConfirmed.name, rideRejected.name, emailsSent.name],
    from: 'beginning',
    until: 'following',
    groupPrefix: 'taxi-cli',
    onBatch: ({ topic, records }) => {
      for (const record of records) {
        const key = record.key?.toString();
        if (key !== rideId && !key?.startsWith(`${rideId}:`)) continue;
        if (topic === rideRequested.name) requested = true;
        show(decodeMessage(context, record));
      }
    },
  });
  // Read to where the topics ended when it began without the ride: it was never requested.
  void tail.caughtUp().then(() => {
    if (!requested)
      finish(new CliError(`no ride ${rideId} on ${rideRequested.name}`, EXIT.notFound));
  });
  const seconds = Number(options.timeout);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CliError(`no email for ride ${rideId} within ${seconds} s`, EXIT.timeout)),
      seconds * 1000,
    );
  });
  try {
    await Promise.race([finished, timedOut, interrupted, tail.done]);
  } finally {
    clearTimeout(timer);
    await tail.stop();
  }
};
