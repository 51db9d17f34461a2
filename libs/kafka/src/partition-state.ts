import type { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { decode, type EventOf, type TopicContract } from '@taxi/events';
import { topicOffsets, withAdmin } from './admin';
import type { KafkaClient } from './connect';
import { KafkaRuntimeError } from './errors';
import { messageOf, outgoing, type Outgoing } from './publish';
import { startReader } from './reader';

/** The input partition a state belongs to. */
export interface Source {
  readonly topic: string;
  readonly partition: number;
}

/**
 * State kept per input partition by an exactly-once `consume`, as a Decider: `decide` (given to
 * `consume`) says what an event changes, `evolve` applies that change. Every transaction writes a
 * snapshot of its partition's state to the changelog, with its outputs and offsets; a partition
 * taken over is restored from the latest committed snapshot (ADR 009).
 *
 * `Working` is the state as a transaction changes it: `copy` makes one from the committed state
 * when a transaction begins, `evolve` may change it in place (one copy per transaction, not one
 * per event), and only a commit makes it the committed state; an abort drops it.
 */
export interface PartitionState<
  State,
  Change,
  Changelog extends TopicContract,
  Working extends State = State,
> {
  /**
   * A compacted topic with as many partitions as the input, keyed `<topic>:<partition>` of the
   * source: the snapshot of input partition p goes to its partition p.
   */
  readonly changelog: Changelog;
  /** The state of a partition that has no snapshot yet. */
  initial(source: Source): State;
  /** A copy for one transaction to change. */
  copy(state: State): Working;
  /** The state after a change; may change `working` in place and return it. */
  evolve(working: Working, change: Change): Working;
  /**
   * The snapshot event written at the end of a transaction: the state at `nextOffset`, which its
   * payload carries (a restore skips the input messages below it). With co-partitioned inputs,
   * `inputOffsets` has the position in each input (`source.topic`'s is `nextOffset`): the payload
   * carries them too, as `inputOffsets`.
   */
  toSnapshot(
    state: State,
    source: Source,
    nextOffset: string,
    inputOffsets?: Readonly<Record<string, string>>,
  ): EventOf<Changelog> & Snapshot;
  /** A snapshot read back. */
  fromSnapshot(snapshot: EventOf<Changelog>, source: Source): State;
}

/** What the lib reads of a snapshot: the input offset it covers up to (each input's, if several). */
export interface Snapshot {
  readonly payload: {
    readonly nextOffset: string;
    readonly inputOffsets?: Readonly<Record<string, string>> | undefined;
  };
}

/** A partition's committed state and the input offset it covers up to. */
export interface CommittedState<State> {
  readonly state: State;
  readonly nextOffset: string;
  /** The position in each input it covers up to, by topic (`nextOffset` is its source's). */
  readonly inputOffsets: Readonly<Record<string, string>>;
}

/** How a partition's state is named: its snapshot's key in the changelog, and in `states()`. */
export const stateKey = (source: Source): string => `${source.topic}:${source.partition}`;

/**
 * The committed state of each input partition of one consumer, and the copy its open transaction
 * works on. Not exported from the lib: `consume` drives it.
 */
export class PartitionStates<
  State,
  Change,
  Changelog extends TopicContract,
  Working extends State,
> {
  private readonly committed = new Map<string, CommittedState<State>>();
  private readonly working = new Map<string, Working>();

  constructor(
    private readonly definition: PartitionState<State, Change, Changelog, Working>,
    private readonly kafka: KafkaClient,
    private readonly logger: Logger,
  ) {}

  /**
   * Reads the partition's latest committed snapshot back (or starts from `initial`) and returns
   * the offset it covers up to in each input, by topic; none without a snapshot. One that does
   * not decode throws: starting from the initial state instead would silently lose it.
   */
  async restore(source: Source): Promise<Readonly<Record<string, string>>> {
    const { changelog } = this.definition;
    const key = stateKey(source);
    const record = await readLatest(this.kafka, this.logger, changelog.name, source.partition, key);
    if (!record) {
      this.committed.set(key, {
        state: this.definition.initial(source),
        nextOffset: '0',
        inputOffsets: {},
      });
      this.logger.info({ ...source }, `no ${changelog.name} snapshot yet: initial state`);
      return {};
    }
    const decoded = decode(changelog, record.value);
    if (!decoded.ok) {
      throw new KafkaRuntimeError(
        `unreadable ${changelog.name} snapshot ${key}: ${decoded.error.reason}`,
        'invalid_event',
        false,
      );
    }
    const snapshot = decoded.value as EventOf<Changelog> & Partial<Snapshot>;
    const nextOffset = snapshot.payload?.nextOffset;
    if (typeof nextOffset !== 'string') {
      throw new KafkaRuntimeError(
        `${changelog.name} snapshot ${key} has no nextOffset`,
        'invalid_event',
        false,
      );
    }
    const inputOffsets = { ...snapshot.payload?.inputOffsets, [source.topic]: nextOffset };
    this.committed.set(key, {
      state: this.definition.fromSnapshot(snapshot, source),
      nextOffset,
      inputOffsets,
    });
    this.logger.info({ ...source, inputOffsets }, `${changelog.name} snapshot restored`);
    return inputOffsets;
  }

  /** A transaction begins: its copy of the committed state. */
  begin(source: Source): Working {
    const key = stateKey(source);
    const committed = this.committed.get(key)?.state ?? this.definition.initial(source);
    const working = this.definition.copy(committed);
    this.working.set(key, working);
    return working;
  }

  /** Applies a decision's change to the open transaction's copy. */
  evolve(source: Source, change: Change): Working {
    const next = this.definition.evolve(this.open(source), change);
    this.working.set(stateKey(source), next);
    return next;
  }

  /** Where the committed state stands in each input (its source's `nextOffset` included). */
  committedPositions(source: Source): Readonly<Record<string, string>> {
    const committed = this.committed.get(stateKey(source));
    return committed ? { ...committed.inputOffsets, [source.topic]: committed.nextOffset } : {};
  }

  /**
   * The positions a transaction's snapshot covers: the committed ones, with `input` moved to
   * `nextOffset` (the input the transaction consumed; the state's source unless co-partitioned).
   */
  positionsAfter(source: Source, input: string, nextOffset: string): Record<string, string> {
    const committed = this.committed.get(stateKey(source));
    return {
      [source.topic]: committed?.nextOffset ?? '0',
      ...committed?.inputOffsets,
      [input]: nextOffset,
    };
  }

  /** The snapshot to write with the transaction, pinned to the source's partition number. */
  snapshot(source: Source, positions: Readonly<Record<string, string>>): Outgoing {
    const key = stateKey(source);
    const working = this.open(source);
    const { changelog } = this.definition;
    const nextOffset = positions[source.topic] ?? '0';
    const output = outgoing(
      changelog,
      this.definition.toSnapshot(working, source, nextOffset, positions),
      source.partition,
    );
    const written = messageOf(output).key;
    if (written !== key) {
      throw new KafkaRuntimeError(
        `${changelog.name} must key a snapshot ${key}, not ${String(written)}`,
        'invalid_event',
        false,
      );
    }
    return output;
  }

  /** The transaction committed, its snapshot at `positions`: the copy becomes the state. */
  committedAt(source: Source, positions: Readonly<Record<string, string>>): void {
    const key = stateKey(source);
    const working = this.working.get(key);
    const nextOffset = positions[source.topic] ?? '0';
    if (working) this.committed.set(key, { state: working, nextOffset, inputOffsets: positions });
    this.working.delete(key);
  }

  /** The transaction aborted: the copy is dropped. */
  aborted(source: Source): void {
    this.working.delete(stateKey(source));
  }

  /** The open transaction's copy; none is a change outside a transaction. */
  private open(source: Source): Working {
    const working = this.working.get(stateKey(source));
    if (!working) throw new Error(`no transaction open for ${source.topic}/${source.partition}`);
    return working;
  }

  /** Every committed state this consumer holds, by `<topic>:<partition>`. */
  all(): ReadonlyMap<string, CommittedState<State>> {
    return this.committed;
  }
}

/** Records read back from the end first; each miss reads a window this many times larger. */
const FIRST_WINDOW = 16n;
const WINDOW_GROWTH = 4n;

/**
 * The latest committed record of a key in one partition, reading only its tail: `[end - 16, end)`,
 * then a 4× larger window before that, and so on, until the key is found or the partition's start
 * is reached. A changelog written once per transaction has its latest snapshot in the last few
 * offsets (the rest are transaction markers), so a restore reads a handful of records however long
 * the history is (ADR 009). Reads are read-committed: an aborted snapshot is never returned.
 */
export const readLatest = async (
  kafka: KafkaClient,
  logger: Logger,
  topic: string,
  partition: number,
  key: string,
  timeoutMs = 30_000,
): Promise<KafkaMessage | undefined> => {
  const deadline = Date.now() + timeoutMs;
  const offsets = await withAdmin(kafka, (admin) => topicOffsets(admin, topic));
  const own = offsets.find((entry) => entry.partition === partition);
  if (!own) throw new Error(`${topic} has no partition ${partition}`);
  const floor = BigInt(own.low);
  let end = BigInt(own.high);
  let window = FIRST_WINDOW;
  while (end > floor) {
    const start = end - window > floor ? end - window : floor;
    let latest: KafkaMessage | undefined;
    const reader = await startReader({
      kafka,
      logger,
      topics: [topic],
      targets: new Map([[`${topic}/${partition}`, { start, end }]]),
      bounded: true,
      groupPrefix: `latest-${topic}`,
      timeoutMs: Math.max(0, deadline - Date.now()),
      handOver: (_topic, _partition, messages) => {
        for (const message of messages) if (message.key?.toString() === key) latest = message;
      },
    });
    await reader.done;
    if (latest) return latest;
    end = start;
    window *= WINDOW_GROWTH;
  }
  return undefined;
};
