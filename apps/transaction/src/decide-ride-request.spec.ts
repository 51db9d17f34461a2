import {
  exampleDriverHandOver,
  exampleRideForward,
  exampleRideRequested,
  topics,
} from '@taxi/events';
import type { MessageContext, Outgoing } from '@taxi/kafka';
import { testLogger } from '@taxi/testing';
import { Registry } from 'prom-client';
import { decideRideRequest } from './decide-ride-request';
import type { DispatchState, FleetView } from './domain/dispatch/dispatch';
import { FORWARDING } from './domain/dispatch/policy';
import type { Driver } from './domain/fleet';
import { defaultTariff } from './domain/pricing';
import { transactionMetrics } from './metrics';

const request = exampleRideRequested();
/** The encoded message an `Outgoing` holds (the lib keeps it opaque to services). */
const messageOf = (output: Outgoing) =>
  (output as unknown as { message: { key: string; partition?: number; value: Buffer | string } })
    .message;
const { pickup } = request.payload;
const driverAt = (id: string, kmNorth: number): Driver => ({
  id,
  name: `Driver ${id}`,
  vehicle: { make: 'Kia', model: 'Niro', color: 'blue', plate: `TX-${id}` },
  vehicleClass: 'standard',
  position: { lat: pickup.lat + kmNorth / 111.2, lng: pickup.lng },
});
const near = driverAt('drv-near', 1);
const far = driverAt('drv-far', 5);
const free = (driver: Driver) => ({ busyUntil: 0, position: driver.position });
const owning = (...drivers: Driver[]): DispatchState => ({
  drivers: new Map(drivers.map((driver) => [driver.id, free(driver)])),
  rides: new Map(),
  claims: new Map(),
});

/** When the decision is made (`now` below), and when the input was sent: 380 ms earlier. */
const NOW = new Date('2026-11-21T10:00:00.500Z');
const SENT_MS = NOW.getTime() - 380;

const contextOf = (partition: number): MessageContext => ({
  topic: 'ride_details',
  partition,
  offset: '0',
  timestampMs: SENT_MS,
  logger: testLogger(),
});

/** A histogram's count and sum, as its /metrics lines give them. */
const countAndSum = async (histogram: ReturnType<typeof transactionMetrics>['hop']) => {
  const { values } = await histogram.get();
  const named = (suffix: string) =>
    values.find((value) => value.metricName === `taxi_dispatch_hop_seconds_${suffix}`)?.value;
  return { count: named('count'), sum: named('sum') };
};

const decideWith = (view: FleetView, partitions: number | undefined = 6) => {
  const metrics = transactionMetrics(new Registry());
  const decide = decideRideRequest({
    topics,
    view: () => view,
    partitions: () => partitions,
    settings: {
      fleet: new Map([near, far].map((driver) => [driver.id, driver])),
      maxPickupKm: 25,
      tariff: defaultTariff,
      busyTimeScale: 1,
      policy: FORWARDING,
    },
    now: () => NOW,
    metrics,
  });
  return { decide, metrics };
};

describe('decideRideRequest: one input of a partition number, in its transaction', () => {
  it('when the nearest free driver is owned by partition 4, then the ride goes to partition 4 of dispatch, explicitly, and the forward is counted', async () => {
    const { decide, metrics } = decideWith(new Map([[4, new Map([[near.id, free(near)]])]]));

    const decision = decide(request, owning(far), contextOf(1));

    expect(decision.outputs).toHaveLength(1);
    const [output] = decision.outputs;
    expect(output?.topic).toBe(topics.dispatch.name);
    expect(output && messageOf(output).partition).toBe(4);
    expect(decision.change?.ride).toEqual({
      rideId: request.payload.rideId,
      handling: 'forwarded',
      hops: 1,
    });
    expect((await metrics.forwarded.get()).values[0]?.value).toBe(1);
  });

  it('when its own driver is nearest, then the ride is confirmed on ride_confirmed, keyed by ride id, with the driver made busy', () => {
    const { decide } = decideWith(new Map([[4, new Map([[far.id, free(far)]])]]));

    const decision = decide(request, owning(near), contextOf(1));

    const [output] = decision.outputs;
    expect(output?.topic).toBe(topics.rideConfirmed.name);
    expect(output && messageOf(output).key).toBe(request.payload.rideId);
    expect(decision.change?.assigned?.driverId).toBe(near.id);
  });

  it('when a forward for an own free driver arrives on dispatch, then the ride is confirmed here', () => {
    const { decide } = decideWith(new Map());

    const decision = decide(
      exampleRideForward({ request: request.payload, preferredDriverId: near.id }),
      owning(near),
      { ...contextOf(4), topic: 'dispatch' },
    );

    expect(decision.outputs.map((output) => output.topic)).toEqual([topics.rideConfirmed.name]);
  });

  it('when a forward is decided 380 ms after it was sent, then the hop histogram has that one hop', async () => {
    const { decide, metrics } = decideWith(new Map());

    decide(
      exampleRideForward({ request: request.payload, preferredDriverId: near.id }),
      owning(near),
      { ...contextOf(4), topic: 'dispatch' },
    );

    expect(await countAndSum(metrics.hop)).toEqual({ count: 1, sum: 0.38 });
  });

  it('when a request from ride_details is decided, then no hop is recorded: only forwards hop', async () => {
    const { decide, metrics } = decideWith(new Map());

    decide(request, owning(near), contextOf(1));

    expect(await countAndSum(metrics.hop)).toEqual({ count: 0, sum: 0 });
  });

  it('when a hand-over arrives, then nothing is published and the driver is received in the state', () => {
    const { decide } = decideWith(new Map());

    const decision = decide(exampleDriverHandOver({ driverId: near.id }), owning(), contextOf(2));

    expect(decision.outputs).toEqual([]);
    expect(decision.change?.received?.driverId).toBe(near.id);
  });

  it('when a request was already passed on here, then it is a duplicate: nothing published, nothing changed', () => {
    const { decide } = decideWith(new Map());
    const state = {
      ...owning(near),
      rides: new Map([[request.payload.rideId, 'forwarded' as const]]),
    };

    expect(decide(request, state, contextOf(1))).toEqual({ outputs: [] });
  });

  it('when the partition count grew from 6 to 12, then the first input hands every other driver to partition p + 6 of dispatch, explicitly, with its outcome, and the count is recorded', async () => {
    const { decide, metrics } = decideWith(new Map(), 12);

    const decision = decide(request, owning(near, far), contextOf(1));

    expect(decision.outputs.map((output) => output.topic)).toEqual([
      topics.dispatch.name,
      topics.rideConfirmed.name,
    ]);
    const [handOver] = decision.outputs;
    expect(handOver && messageOf(handOver).partition).toBe(7);
    expect(handOver && JSON.parse(String(messageOf(handOver).value))).toMatchObject({
      type: 'dispatch.hand_over',
      payload: { driverId: far.id, from: 1, position: far.position },
    });
    expect(decision.change).toMatchObject({
      dealt: { partitions: 12, released: [far.id] },
      assigned: { driverId: near.id },
    });
    expect((await metrics.handedOver.get()).values[0]?.value).toBe(1);
  });

  it('when the first input after a growth is a duplicate, then the drivers are still handed over and the count recorded', () => {
    const { decide } = decideWith(new Map(), 12);
    const state = {
      ...owning(near, far),
      rides: new Map([[request.payload.rideId, 'decided' as const]]),
    };

    const decision = decide(request, state, contextOf(1));

    expect(decision.outputs.map((output) => output.topic)).toEqual([topics.dispatch.name]);
    expect(decision.change).toEqual({ dealt: { partitions: 12, released: [far.id] } });
  });

  it('when the partition count is not known yet, then nothing is handed over', () => {
    const { decide } = decideWith(new Map(), undefined);

    const decision = decide(request, owning(near, far), contextOf(1));

    expect(decision.outputs.map((output) => output.topic)).toEqual([topics.rideConfirmed.name]);
    expect(decision.change?.dealt).toBeUndefined();
  });
});
