import { read, type KafkaRecord } from '@taxi/kafka';
import type { CliContext } from '../context';
import { decodeMessage, position, topicName } from '../messages';

/**
 * `taxi tail <topic>`: messages as they arrive (all retained ones with --from-beginning), decoded,
 * with key and headers; stops after --max messages or on Ctrl-C.
 */
export const tailCommand = async (
  context: CliContext,
  topic: string,
  options: { json?: boolean; fromBeginning?: boolean; max?: number },
  interrupted: Promise<void>,
): Promise<void> => {
  let seen = 0;
  let reachedMax: () => void = () => undefined;
  const enough = new Promise<void>((resolve) => (reachedMax = resolve));
  const show = (record: KafkaRecord) => {
    if (options.max !== undefined && seen >= options.max) return;
    seen += 1;
    const shown = decodeMessage(context, record);
    if (options.json) context.print(JSON.stringify(shown));
    else {
      const headers = Object.entries(shown.headers).map(([k, v]) => `${k}=${v}`);
      context.print(`${position(shown)}  key=${shown.key ?? '-'}  ${shown.timestamp}`);
      context.print(`  headers: ${headers.join(' ') || '-'}`);
      context.print(
        `  ${shown.event ? JSON.stringify(shown.event) : `${shown.invalid ? `(not valid: ${shown.invalid}) ` : ''}${shown.raw}`}`,
      );
    }
    if (options.max !== undefined && seen >= options.max) reachedMax();
  };
  const tail = await read({
    kafka: context.kafka,
    logger: context.logger,
    topics: [topicName(context, topic)],
    from: options.fromBeginning ? 'beginning' : 'end',
    until: 'following',
    groupPrefix: 'taxi-cli',
    onBatch: ({ records }) => records.forEach(show),
  });
  try {
    await Promise.race([enough, interrupted, tail.done]);
  } finally {
    await tail.stop();
  }
};
