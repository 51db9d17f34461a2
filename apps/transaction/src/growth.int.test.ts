import { decode, topicsFor, type FleetPartitionState } from '@taxi/events';
import { addPartitions, read, type KafkaClient, type KafkaRecord } from '@taxi/kafka';
import { collect, testKafka, type Collector } from '@taxi/kafka/testing';
import type { ServiceProcess } from '@taxi/stack-harness';
import { testLogger, uniqueName } from '@taxi/testing';
import { requestAt, startBuiltTransaction } from './built-service.int-support';
import { createFleet, type Driver } from './domain/fleet';

// The built service (dist/apps/transaction) on a real broker, its inputs grown from 6 to 12
// partitions: each old partition hands every other driver it owns to p + 6, once, and the new
// partitions own them (ADR 038, "Hand-overs after a growth").

const run = uniqueName('growth');
const prefix = `${run}.`;
const names = topicsFor(prefix);
/** Four drivers per genesis partition: driver i is partition i mod 6's. */
const FLEET = { size: 24, seed: 7, center: { lat: 40.7306, lng: -73.9352 }, radiusKm: 15 };
const fleet = createFleet(FLEET);
const OLD = [0, 1, 2, 3, 4, 5];

/** Every record of the topic, committed, up to its end now. */
const readToEnd = async (kafka: KafkaClient, topic: string): Promise<KafkaRecord[]> => {
  const records: KafkaRecord[] = [];
  const reader = await read({
    kafka,
    logger: testLogger(),
    topics: [topic],
    from: 'beginning',
    until: 'end-at-start',
    onBatch: (batch) => void records.push(...batch.records),
  });
  await reader.done;
  return records;
};

const handOversIn = (records: readonly KafkaRecord[]) =>
  records.flatMap(({ partition, value }) => {
    const decoded = decode(names.dispatch, value);
    return decoded.ok && decoded.value.type === 'dispatch.hand_over'
      ? [
          {
            to: partition,
            from: decoded.value.payload.from,
            driverId: decoded.value.payload.driverId,
          },
        ]
      : [];
  });

const latestSnapshots = (records: readonly KafkaRecord[]) => {
  const latest = new Map<number, FleetPartitionState>();
  for (const { value } of records) {
    const decoded = decode(names.fleetState, value);
    if (decoded.ok) latest.set(decoded.value.payload.source.partition, decoded.value.payload);
  }
  return latest;
};

describe('transaction after its inputs grew from 6 to 12 partitions', () => {
  let kafka: KafkaClient;
  let transaction: ServiceProcess;
  let outcomes: Collector;
  let snapshots: Collector;

  beforeAll(async () => {
    kafka = testKafka(run);
    transaction = await startBuiltTransaction(run, prefix, FLEET);
    outcomes = await collect(kafka, [names.rideConfirmed.name, names.rideRejected.name]);
    snapshots = await collect(kafka, [names.fleetState.name]);
  }, 120_000);

  afterAll(async () => {
    await outcomes?.stop();
    await snapshots?.stop();
    await transaction?.stop('SIGTERM');
  });

  /** A request for a pickup where `driver` stands (nobody nearer), written to `partition`. */
  const request = (partition: number, at: Driver) => requestAt(kafka, names, partition, at);
  const driver = (index: number) => {
    const found = fleet[index];
    if (!found) throw new Error(`no driver ${index}`);
    return found;
  };

  it('when each old partition decides a ride after the growth, then it hands every other driver it owns to p + 6, once, and every driver has exactly one owner', async () => {
    // Before: every old partition decides one ride, with its first driver (a snapshot each).
    for (const p of OLD) await request(p, driver(p));
    await outcomes.waitFor(6, 60_000);

    // `taxi topics grow`'s order: the state and internal topics, then the ride-keyed ones.
    const grow = (contracts: readonly { name: string }[]) =>
      addPartitions(
        kafka,
        contracts.map((contract) => ({ topic: contract.name, count: 12 })),
      );
    await grow([names.dispatch, names.fleetState]);
    await grow([names.rideRequested, names.rideConfirmed, names.rideRejected]);
    await transaction.waitForLog(
      (line) => line.msg === 'partition count of the inputs changed' && line['to'] === 12,
      'the count of 12 read',
    );

    // After: one ride each, at its third driver (p + 12, which it keeps), decided at home.
    for (const p of OLD) await request(p, driver(p + 12));
    await outcomes.waitFor(12, 60_000);
    // The heirs have consumed the hand-overs once their snapshots list the drivers.
    const heirsOwn = () => {
      const latest = latestSnapshots(snapshots.records);
      return OLD.every((p) => latest.get(p + 6)?.drivers.length === 2);
    };
    while (!heirsOwn()) await snapshots.waitFor(snapshots.records.length + 1, 60_000);

    // Once more: a third ride each hands nothing over.
    for (const p of OLD) await request(p, driver(p + 12));
    await outcomes.waitFor(18, 60_000);

    const handOvers = handOversIn(await readToEnd(kafka, names.dispatch.name));
    const latest = latestSnapshots(await readToEnd(kafka, names.fleetState.name));
    const owners = new Map<string, number[]>();
    for (const [partition, snapshot] of latest)
      for (const { id } of snapshot.drivers) owners.set(id, [...(owners.get(id) ?? []), partition]);
    const lines = transaction.logs.filter(
      (line) => line.msg === 'drivers handed to the partitions added by a growth',
    );

    expect(handOvers.sort((a, b) => a.driverId.localeCompare(b.driverId))).toEqual(
      OLD.flatMap((p) =>
        [p + 6, p + 18].map((index) => ({ to: p + 6, from: p, driverId: driver(index).id })),
      ).sort((a, b) => a.driverId.localeCompare(b.driverId)),
    );
    expect(owners.size).toBe(FLEET.size);
    expect([...owners.values()].every((partitions) => partitions.length === 1)).toBe(true);
    for (const p of OLD) {
      expect(latest.get(p)?.drivers.map(({ id }) => id)).toEqual([driver(p).id, driver(p + 12).id]);
      expect(latest.get(p)?.dealtForPartitions).toBe(12);
      expect(
        latest
          .get(p + 6)
          ?.drivers.map(({ id }) => id)
          .sort(),
      ).toEqual([driver(p + 6).id, driver(p + 18).id].sort());
    }
    // One line per partition (a transaction aborted by the growth's rebalance and done again
    // would log its share again: the same share, committed once).
    const said = new Set(
      lines.map((line) => JSON.stringify([line['partition'], line['handedOver']])),
    );
    expect([...said].sort()).toEqual(OLD.map((p) => JSON.stringify([p, { [p + 6]: 2 }])).sort());
  }, 180_000);
});
