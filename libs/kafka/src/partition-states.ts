import type { Kafka } from 'kafkajs';
import { decode, type EventOf, type TopicContract } from '@taxi/events';
import { readLatestRecords } from './latest-records';

/** The record key a partition's state snapshot is written under in its changelog. */
export const partitionStateKey = (topic: string, partition: number): string =>
  `${topic}:${partition}`;

/**
 * The latest committed snapshot of an input partition's state, read from the tail of partition
 * `partition` of its changelog; undefined if none was ever written. A snapshot that does not
 * decode throws: starting from empty state instead would silently lose it (every count, every
 * busy driver).
 */
export const readLatestSnapshot = async <Contract extends TopicContract>(
  kafka: Kafka,
  changelog: Contract,
  topic: string,
  partition: number,
): Promise<EventOf<Contract> | undefined> => {
  const key = partitionStateKey(topic, partition);
  const found = await readLatestRecords({ kafka, topic: changelog.name, partition, keys: [key] });
  const record = found.get(key);
  if (!record) return undefined;
  const decoded = decode(changelog, record.value);
  if (!decoded.ok)
    throw new Error(`unreadable ${changelog.name} snapshot ${key}: ${decoded.error.reason}`);
  return decoded.value;
};

/**
 * The committed state of each input partition and the copy its open transaction works on: the
 * `begin` / `committed` / `aborted` part of `PartitionStateHooks`, for any state. Only a commit
 * makes the copy the committed state; an abort drops it.
 */
export class TransactionalStates<State, Draft extends State = State> {
  private readonly committedStates = new Map<string, State>();
  private readonly drafts = new Map<string, Draft>();

  /** `draftOf` makes the transaction's copy from the committed state (undefined: none yet). */
  constructor(
    private readonly draftOf: (
      committed: State | undefined,
      topic: string,
      partition: number,
    ) => Draft,
  ) {}

  /** The partition's committed state, as restored. */
  restored(topic: string, partition: number, state: State): void {
    this.committedStates.set(partitionStateKey(topic, partition), state);
  }

  begin(topic: string, partition: number): void {
    const key = partitionStateKey(topic, partition);
    this.drafts.set(key, this.draftOf(this.committedStates.get(key), topic, partition));
  }

  /** The open transaction's copy, if one is open. */
  draft(topic: string, partition: number): Draft | undefined {
    return this.drafts.get(partitionStateKey(topic, partition));
  }

  /** The open transaction's copy; throws when none is open (a change outside a transaction). */
  open(topic: string, partition: number): Draft {
    const draft = this.draft(topic, partition);
    if (!draft) throw new Error(`no transaction open for ${topic}/${partition}`);
    return draft;
  }

  committed(topic: string, partition: number): void {
    const key = partitionStateKey(topic, partition);
    const draft = this.drafts.get(key);
    if (draft) this.committedStates.set(key, draft);
    this.drafts.delete(key);
  }

  aborted(topic: string, partition: number): void {
    this.drafts.delete(partitionStateKey(topic, partition));
  }

  /** Every committed state, by its snapshot key (`partitionStateKey`). */
  allCommitted(): ReadonlyMap<string, State> {
    return this.committedStates;
  }
}
