import type { DispatchChange, DispatchState, HandOver } from './dispatch';
import { GENESIS_PARTITIONS } from './ownership';

// After a growth (`taxi topics grow`, ADR 038) the new partitions own no drivers: they would
// forward every ride, one more hop each, for ever. So each partition that existed at the count it
// last dealt for hands the partitions its keys moved to an equal share of its drivers, once.
//
// With a count grown from m to N, a key of partition p moves only to p + j·m (j ≥ 1, below N):
// those are p's heirs, and they hold nothing but what p gives them. p hands each heir every
// (heirs + 1)-th driver it owns, in the order it holds them, and keeps the rest: an equal share,
// ±1. Busy drivers move too, with where and until when they are busy (the receiver takes them as
// busy): a growth is what an operator does under load, when most drivers are busy, and a share of
// the free ones alone would leave the new partitions nearly empty. The hand-overs and the count
// dealt for are published and recorded in one transaction (`dealt`), so a restart, a second
// batch or a rebalance never shares again; the next growth (12 → 24) works the same way from 12.

/** What a partition hands the partitions added since it last dealt. */
export interface Share {
  /** The count it had dealt for (m), and the count now (N). */
  readonly dealtFor: number;
  readonly partitions: number;
  /** One per driver leaving, each to its heir's partition number (of `dispatch`). */
  readonly handOvers: readonly { readonly to: number; readonly message: HandOver }[];
  /** Drivers kept. */
  readonly kept: number;
  readonly change: DispatchChange;
}

/**
 * The partitions a key of `partition` may move to when the count grows from `dealtFor` to
 * `partitions`: p + j·m below N. None for a partition that did not exist at `dealtFor` (it was
 * added later, and owns only what it was handed).
 */
export const heirsOf = (partition: number, dealtFor: number, partitions: number): number[] => {
  if (partition >= dealtFor) return [];
  const heirs: number[] = [];
  for (let heir = partition + dealtFor; heir < partitions; heir += dealtFor) heirs.push(heir);
  return heirs;
};

/**
 * Pure: what `partition` hands over now that the co-partitioned inputs have `partitions`
 * partitions; undefined when the count is not above the one it dealt for (nothing to do). A
 * partition added by a growth records the count too, handing nothing, so that the next growth
 * makes it share with its own heirs.
 */
export const shareWithNewPartitions = (
  state: DispatchState,
  partition: number,
  partitions: number,
): Share | undefined => {
  const dealtFor = state.dealtForPartitions ?? GENESIS_PARTITIONS;
  if (partitions <= dealtFor) return undefined;
  const heirs = heirsOf(partition, dealtFor, partitions);
  const handOvers: { to: number; message: HandOver }[] = [];
  // Of every (heirs + 1) drivers in turn, the first stays and each heir gets one.
  let turn = 0;
  for (const [driverId, driver] of state.drivers) {
    const heir = turn === 0 ? undefined : heirs[turn - 1];
    turn = (turn + 1) % (heirs.length + 1);
    if (heir !== undefined) handOvers.push({ to: heir, message: { driverId, driver } });
  }
  return {
    dealtFor,
    partitions,
    handOvers,
    kept: state.drivers.size - handOvers.length,
    change: {
      dealt: { partitions, released: handOvers.map(({ message }) => message.driverId) },
    },
  };
};
