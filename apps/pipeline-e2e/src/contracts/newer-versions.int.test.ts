import { asWrittenByANewerVersion, decode, topicsFor, type FleetStateEvent } from '@taxi/events';
import { recordFigures, sendRides } from '@taxi/stack-harness';
import { collect, type Collector } from '@taxi/kafka/testing';
import { freshRideRequested } from '@taxi/testing';
import { faultSuite, FAULT_TEST_TIMEOUT_MS } from '../support/fault-suite';
import { kcatProduce } from '../support/kcat';

// Issue 25's finding, through the running services: events and snapshots written by a newer
// version, with fields this version does not know, written by a client that is not ours (kcat).
// Before ADR 040, all 50 of 50 such requests went to ride_details.dlq.

const RIDES = 50;

type Json = Record<string, unknown>;
const json = (value: Buffer | null): Json => JSON.parse(value?.toString() ?? 'null') as Json;

describe('what a newer version wrote, read by this one (ADR 040)', () => {
  const suite = faultSuite();
  let fleetState: Collector;

  beforeAll(async () => {
    fleetState = await collect(suite.kafka, [topicsFor(suite.stack.prefix).fleetState.name]);
  }, FAULT_TEST_TIMEOUT_MS);
  afterAll(() => fleetState?.stop());

  it(
    'when a newer rides writes ride requests with a field more in the envelope, the payload and the pickup, then every ride is decided and emailed once, none is dead-lettered, and each ride.confirmed carries the payload’s fields',
    async () => {
      const { stack, kafka, outcomes } = suite;
      const names = topicsFor(stack.prefix);
      const confirmed = await collect(kafka, [names.rideConfirmed.name]);
      const requests = Array.from({ length: RIDES }, () => freshRideRequested());
      const rideIds = requests.map((request) => request.payload.rideId);

      await kcatProduce(
        stack.brokers,
        names.rideRequested.name,
        requests.map(
          (request) =>
            `${request.payload.rideId}:${JSON.stringify(asWrittenByANewerVersion(request))}`,
        ),
      );
      await outcomes.waitForRides(rideIds);
      await stack.smtp.waitForRides(rideIds);

      expect(outcomes.deadLetters()).toEqual([]);
      const perRide = outcomes.outcomesPerRide();
      expect(rideIds.filter((id) => perRide.get(id) !== 1)).toEqual([]);
      expect(rideIds.filter((id) => stack.smtp.perRide().get(id)?.length !== 1)).toEqual([]);
      const ours = new Set(rideIds);
      const confirmations = confirmed.records
        .map(({ value }) => json(value))
        .filter((event) => ours.has((event['payload'] as Json)['rideId'] as string));
      expect(confirmations.length).toBeGreaterThan(0);
      for (const event of confirmations) {
        expect(event['payload']).toMatchObject({ seatPreference: 'front', pickup: { floor: 2 } });
        expect(event).not.toHaveProperty('traceLevel');
      }
      await confirmed.stop();
      recordFigures('ride requests of a newer version written with kcat', {
        written: RIDES,
        decided: rideIds.filter((id) => perRide.get(id) === 1).length,
        confirmedCarryingTheirFields: confirmations.length,
        deadLetters: outcomes.deadLetters().length,
      });
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'when transaction restores fleet snapshots a newer version wrote (a rollback to this one), then it decides against them and the snapshots it writes next keep the newer fields',
    async () => {
      const { stack, outcomes } = suite;
      const names = topicsFor(stack.prefix);
      await stack.services.transaction.stop('SIGTERM');
      // The latest snapshot of each partition, as a newer transaction would have written it.
      const latest = new Map<number, { offset: bigint; event: FleetStateEvent }>();
      for (const { partition, value, offset: at } of fleetState.records) {
        const decoded = decode(names.fleetState, value);
        const offset = BigInt(at);
        if (decoded.ok && offset >= (latest.get(partition)?.offset ?? -1n))
          latest.set(partition, { offset, event: decoded.value });
      }
      expect(latest.size).toBeGreaterThan(0);
      const written = fleetState.records.length + latest.size;
      for (const [partition, { event }] of latest) {
        const newer = {
          ...event,
          payload: {
            ...event.payload,
            fleetRevision: 'written by a newer transaction',
            drivers: event.payload.drivers.map((driver) => ({ ...driver, licenceClass: 'B' })),
          },
        };
        const key = `${event.payload.source.topic}:${event.payload.source.partition}`;
        await kcatProduce(
          stack.brokers,
          names.fleetState.name,
          [`${key}\t${JSON.stringify(newer)}`],
          {
            delimiter: '\t',
            partition,
          },
        );
      }

      await stack.launch('transaction');
      await fleetState.waitFor(written);
      const load = await sendRides(() => stack.ridesUrl, { count: 60 });
      await outcomes.waitForRides(load.accepted);

      // Snapshots of the partitions restored from a newer one (any other starts from none).
      const after = fleetState.records
        .slice(written)
        .filter(({ partition }) => latest.has(partition))
        .map(({ value }) => json(value)['payload'] as Json & { drivers: Json[] });
      expect(after.length).toBeGreaterThan(0);
      for (const payload of after) {
        expect(payload['fleetRevision']).toBe('written by a newer transaction');
        expect(payload.drivers.filter((driver) => driver['licenceClass'] !== 'B')).toEqual([]);
      }
      expect(outcomes.deadLetters()).toEqual([]);
      recordFigures('fleet snapshots of a newer version restored by this one', {
        partitionsRestoredFromNewer: latest.size,
        snapshotsWrittenAfter: after.length,
        keepingTheNewerFields: after.length,
      });
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
