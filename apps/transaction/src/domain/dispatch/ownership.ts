import type { Driver } from '../fleet';
import type { DispatchState, HandOver } from './dispatch';

/**
 * The partition count the fleet was first dealt over: `ride_details`' six when dispatch began.
 * A constant of the deal, not the topic's current count, so that the deal happens once: partitions
 * added later start with no drivers, and a restart or a growth never deals again (ADR 038). It is
 * also the deal of ADR 008, so a snapshot written before ownership was explicit lists exactly the
 * drivers the deal gives its partition.
 */
export const GENESIS_PARTITIONS = 6;

/** Which partition a driver is dealt to at genesis, by their index in the seeded fleet. */
export type GenesisDeal = (driver: Driver, index: number) => number;

export const dealByIndex =
  (partitions = GENESIS_PARTITIONS): GenesisDeal =>
  (_driver, index) =>
    index % partitions;

/** A partition with no snapshot yet: the drivers the genesis deal gives it, all free at home. */
export const genesisState = (
  fleet: readonly Driver[],
  partition: number,
  deal: GenesisDeal = dealByIndex(),
): DispatchState => ({
  drivers: new Map(
    fleet
      .filter((driver, index) => deal(driver, index) === partition)
      .map((driver) => [driver.id, { busyUntil: 0, position: driver.position }]),
  ),
  rides: new Map(),
  claims: new Map(),
});

/**
 * The genesis drivers a restore adds to `partition` because FLEET_SIZE grew since its snapshot:
 * those from the size it dealt (`dealtFleetSize`) on. Nobody else can own them: a driver leaves
 * its genesis partition only by a hand-over, which needs it owned there first. A snapshot without
 * the size (fleet_state 2.0) was written before any hand-over was sent, so its partition owned
 * all its genesis drivers: those it does not list are added.
 */
export const genesisDriversAdded = (
  fleet: readonly Driver[],
  partition: number,
  dealtFleetSize: number | undefined,
  listed: ReadonlySet<string>,
  deal: GenesisDeal = dealByIndex(),
): string[] =>
  fleet
    .filter(
      (driver, index) =>
        deal(driver, index) === partition &&
        (dealtFleetSize === undefined ? !listed.has(driver.id) : index >= dealtFleetSize),
    )
    .map((driver) => driver.id);

/** A broken ownership invariant: a driver owned twice, or owned by no one with no hand-over in flight. */
export interface OwnershipProblem {
  readonly driverId: string;
  readonly problem: 'owned twice' | 'owned by no one';
  /** The partitions that own the driver (and where hand-overs of them are headed). */
  readonly owners: readonly number[];
}

/**
 * Checks the invariant over every partition's state and the hand-overs in flight: each driver has
 * exactly one owner, counting a hand-over in flight as its destination's; never two. An empty list
 * means the fleet is whole.
 */
export const ownershipProblems = (
  fleetIds: readonly string[],
  states: ReadonlyMap<number, DispatchState>,
  inFlight: readonly { readonly to: number; readonly message: HandOver }[],
): OwnershipProblem[] => {
  const owners = new Map<string, number[]>(fleetIds.map((id) => [id, []]));
  const own = (driverId: string, partition: number) => {
    const list = owners.get(driverId);
    if (list) list.push(partition);
    else owners.set(driverId, [partition]);
  };
  for (const [partition, state] of states)
    for (const driverId of state.drivers.keys()) own(driverId, partition);
  for (const { to, message } of inFlight) own(message.driverId, to);
  const problems: OwnershipProblem[] = [];
  for (const [driverId, list] of owners) {
    if (list.length > 1) problems.push({ driverId, problem: 'owned twice', owners: list });
    if (list.length === 0) problems.push({ driverId, problem: 'owned by no one', owners: list });
  }
  return problems;
};
