import { decode, topicsFor } from '@taxi/events';
import type { KafkaClient } from '@taxi/kafka';
import { collect, testKafka, type Collector } from '@taxi/kafka/testing';
import type { ServiceProcess } from '@taxi/stack-harness';
import { uniqueName } from '@taxi/testing';
import { requestAt, startBuiltTransaction } from './built-service.int-support';
import { GENESIS_PARTITIONS } from './domain/dispatch/ownership';
import { createFleet } from './domain/fleet';

// The built service (dist/apps/transaction) on a real broker: a ride whose nearest free driver
// another partition owns is forwarded there on `dispatch` and confirmed by the owner (ADR 038).

const run = uniqueName('forwarding');
const prefix = `${run}.`;
const names = topicsFor(prefix);
const FLEET = { size: 12, seed: 7, center: { lat: 40.7306, lng: -73.9352 }, radiusKm: 15 };
const fleet = createFleet(FLEET);

describe('a ride whose nearest free driver another partition owns', () => {
  let kafka: KafkaClient;
  let transaction: ServiceProcess;
  let outcomes: Collector;
  let dispatch: Collector;

  beforeAll(async () => {
    kafka = testKafka(run);
    transaction = await startBuiltTransaction(run, prefix, FLEET);
    outcomes = await collect(kafka, [names.rideConfirmed.name, names.rideRejected.name]);
    dispatch = await collect(kafka, [names.dispatch.name]);
  }, 120_000);

  afterAll(async () => {
    await outcomes?.stop();
    await dispatch?.stop();
    await transaction?.stop('SIGTERM');
  });

  /** A request for a pickup where `driver` stands, written to `partition` of ride_details. */
  const request = (partition: number, at: (typeof fleet)[number]) =>
    requestAt(kafka, names, partition, at);

  const outcomesOf = (rideId: string) =>
    outcomes.records.flatMap(({ topic, value }) => {
      const contract =
        topic === names.rideConfirmed.name ? names.rideConfirmed : names.rideRejected;
      const decoded = decode(contract, value);
      return decoded.ok && decoded.value.payload.rideId === rideId ? [decoded.value] : [];
    });

  const forwardsOf = (rideId: string) =>
    dispatch.records.flatMap(({ partition, value }) => {
      const decoded = decode(names.dispatch, value);
      return decoded.ok &&
        decoded.value.type === 'dispatch.forward' &&
        decoded.value.payload.request.rideId === rideId
        ? [{ partition, forward: decoded.value.payload }]
        : [];
    });

  it('when it is requested on another partition, then it is forwarded to the owner’s partition of dispatch and confirmed with that driver, exactly once; the next ride there gets another driver', async () => {
    // Driver i is dealt to partition i mod 6 (genesis): drv-0005 is partition 4's.
    const driver = fleet[4];
    if (!driver) throw new Error('fleet too small');
    const owner = 4 % GENESIS_PARTITIONS;
    const requestedOn = 1;

    const rideId = await request(requestedOn, driver);
    await outcomes.waitFor(1, 60_000);
    const secondRideId = await request(requestedOn, driver);
    await outcomes.waitFor(2, 60_000);

    expect(forwardsOf(rideId)).toEqual([
      {
        partition: owner,
        forward: expect.objectContaining({
          from: requestedOn,
          hops: 1,
          preferredDriverId: driver.id,
        }),
      },
    ]);
    const decided = outcomesOf(rideId);
    expect(decided).toHaveLength(1);
    expect(decided[0]).toMatchObject({
      type: 'ride.confirmed',
      payload: { driver: { id: driver.id } },
    });
    const second = outcomesOf(secondRideId);
    expect(second).toHaveLength(1);
    expect(second[0]?.type === 'ride.confirmed' && second[0].payload.driver.id).not.toBe(driver.id);
  });
});
