import { decode, type FleetPartitionState, type topicsFor } from '@taxi/events';
import { read, type KafkaClient, type KafkaRecord } from '@taxi/kafka';
import { testLogger } from '@taxi/testing';

type Names = ReturnType<typeof topicsFor>;

/**
 * The latest committed `fleet_state` snapshot of each partition number, read up to the end the
 * topic has now: which drivers each partition of transaction owns (ADR 038).
 */
export const latestFleetSnapshots = async (
  kafka: KafkaClient,
  names: Names,
): Promise<Map<number, FleetPartitionState>> => {
  const latest = new Map<number, FleetPartitionState>();
  const reader = await read({
    kafka,
    logger: testLogger(),
    contracts: [names.fleetState],
    from: 'beginning',
    until: 'end-at-start',
    groupPrefix: 'fleet-owners',
    onBatch: ({ records }) => {
      for (const { event } of records) latest.set(event.payload.source.partition, event.payload);
    },
  });
  await reader.done;
  return latest;
};

/** Driver id → the partitions whose latest snapshot lists them (exactly one each when whole). */
export const ownersOf = (
  snapshots: ReadonlyMap<number, FleetPartitionState>,
): Map<string, number[]> => {
  const owners = new Map<string, number[]>();
  for (const [partition, snapshot] of snapshots)
    for (const { id } of snapshot.drivers) owners.set(id, [...(owners.get(id) ?? []), partition]);
  return owners;
};

/** What was sent on `dispatch`, committed: forwards of rides and hand-overs of drivers. */
export interface DispatchTraffic {
  /** Ride id → the partitions that passed it on at its first hop (the one it was requested on). */
  readonly firstForwards: Map<string, number[]>;
  readonly handOvers: readonly {
    readonly driverId: string;
    readonly from: number;
    readonly to: number;
    readonly at: number;
  }[];
}

export const dispatchTraffic = (records: readonly KafkaRecord[], names: Names): DispatchTraffic => {
  const firstForwards = new Map<string, number[]>();
  const handOvers: DispatchTraffic['handOvers'][number][] = [];
  for (const record of records) {
    if (record.topic !== names.dispatch.name) continue;
    const decoded = decode(names.dispatch, record.value);
    if (!decoded.ok) continue;
    const event = decoded.value;
    if (event.type === 'dispatch.hand_over')
      handOvers.push({
        driverId: event.payload.driverId,
        from: event.payload.from,
        to: record.partition,
        at: Date.parse(record.timestamp),
      });
    else if (event.payload.hops === 1) {
      const rideId = event.payload.request.rideId;
      firstForwards.set(rideId, [...(firstForwards.get(rideId) ?? []), event.payload.from]);
    }
  }
  return { firstForwards, handOvers };
};
