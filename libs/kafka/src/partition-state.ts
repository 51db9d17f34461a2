import type { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { decode, type EventOf, type TopicContract } from '@taxi/events';
import { topicOffsets, withAdmin } from './admin';
import type { KafkaClient } from './connect';
import { KafkaRuntimeError } from './errors';
import { messageOf, outgoing, type Outgoing } from './publish';
import { startReader } from './reader';
import { wait } from './retry';

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
   *
   * `committed` is the group's committed offset in each input (by topic), read after the
   * partition's producer fenced the previous one (so the last transaction is complete). That
   * transaction wrote the snapshot and committed the offset together, so the latest snapshot
   * covers at least that offset. A read-committed read stops at the changelog partition's last
   * stable offset, and that stops at the first record of any transaction still open there: the
   * changelog partition has one writer per source partition mapped to it (analytics: a
   * ride_confirmed and a ride_rejected partition each), so the other source's open transaction
   * can hide this source's latest snapshot, and the read returns the one before it. The
   * group has already committed past that one, so the messages between would never be counted
   * (issue 23: analytics two rides short for good after a rolling restart). Such a read is done
   * again once the stable offset has moved, until the snapshot covers `committed`; `heartbeat`
   * keeps the member in its group meanwhile. Given up after `waitMs` with a retriable error
   * (the batch is tried again, restore included): never restored from a state that is behind.
   */
  async restore(
    source: Source,
    options: {
      committed?: Readonly<Record<string, string | undefined>>;
      heartbeat?: () => Promise<void>;
      waitMs?: number;
    } = {},
  ): Promise<Readonly<Record<string, string>>> {
    const { changelog } = this.definition;
    const { committed, heartbeat } = options;
    const key = stateKey(source);
    const deadline = Date.now() + (options.waitMs ?? RESTORE_WAIT_MS);
    for (let attempt = 1; ; attempt += 1) {
      const ends = await partitionEnds(this.kafka, changelog.name, source.partition);
      const record = await readLatestBelow(
        this.kafka,
        this.logger,
        changelog.name,
        source.partition,
        key,
        ends,
      );
      const restored = record && this.decodeSnapshot(record, source);
      const positions = restored?.inputOffsets ?? {};
      const behind = topicsBehind(positions, committed);
      const facts = {
        ...source,
        changelog: changelog.name,
        snapshotPositions: restored ? positions : null,
        groupCommitted: committed ?? null,
        changelogLastStableOffset: ends.stable.toString(),
        attempt,
      };
      if (behind.length === 0) {
        this.committed.set(
          key,
          restored ?? { state: this.definition.initial(source), nextOffset: '0', inputOffsets: {} },
        );
        this.logger.info(
          facts,
          restored
            ? `${changelog.name} snapshot restored`
            : `no ${changelog.name} snapshot yet: initial state`,
        );
        return positions;
      }
      if (Date.now() >= deadline) {
        throw new KafkaRuntimeError(
          `${changelog.name} ${key}: the latest readable snapshot covers ` +
            behind.map((topic) => `${topic} up to ${positions[topic] ?? 'nothing'}`).join(', ') +
            `, but the group committed ` +
            behind.map((topic) => `${topic} ${committed?.[topic]}`).join(', ') +
            `; a transaction open on ${changelog.name}/${source.partition} ` +
            `(last stable offset ${ends.stable}) still hides the snapshot that goes with that offset`,
          'state_behind',
          true,
        );
      }
      this.logger.warn(
        facts,
        `${changelog.name} snapshot is behind the group's committed offset: an open transaction hides the latest; reading again when it ends`,
      );
      await stableOffsetPast(
        this.kafka,
        changelog.name,
        source.partition,
        ends.stable,
        deadline,
        heartbeat,
      );
    }
  }

  private decodeSnapshot(record: KafkaMessage, source: Source): CommittedState<State> {
    const { changelog } = this.definition;
    const key = stateKey(source);
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
    return {
      state: this.definition.fromSnapshot(snapshot, source),
      nextOffset,
      inputOffsets: { ...snapshot.payload?.inputOffsets, [source.topic]: nextOffset },
    };
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

/**
 * How long a restore waits for the snapshot that goes with the group's committed offset: longer
 * than a transaction may stay open (10 s, `TRANSACTION_TIMEOUT_MS`) plus the broker's check for
 * timed-out ones (10 s), with room for a transaction coordinator moving to another broker.
 */
export const RESTORE_WAIT_MS = 60_000;

/** True when the snapshot read covers less of the source than the group has committed. */
export const isBehind = (nextOffset: string | undefined, committed: string | undefined): boolean =>
  committed !== undefined && BigInt(committed) > BigInt(nextOffset ?? '0');

/** The inputs in which the snapshot read covers less than the group has committed. */
export const topicsBehind = (
  positions: Readonly<Record<string, string>>,
  committed: Readonly<Record<string, string | undefined>> | undefined,
): string[] =>
  Object.entries(committed ?? {})
    .filter(([topic, offset]) => isBehind(positions[topic], offset))
    .map(([topic]) => topic);

/** A partition's first retained offset and its last stable offset (the read-committed end). */
interface PartitionEnds {
  readonly low: bigint;
  readonly stable: bigint;
}

/**
 * kafkajs' admin lists offsets read-committed: its "high" is the last stable offset (the first
 * offset of the oldest open transaction, or the high watermark when none is open).
 */
const partitionEnds = async (
  kafka: KafkaClient,
  topic: string,
  partition: number,
): Promise<PartitionEnds> => {
  const offsets = await withAdmin(kafka, (admin) => topicOffsets(admin, topic));
  const own = offsets.find((entry) => entry.partition === partition);
  if (!own) throw new Error(`${topic} has no partition ${partition}`);
  return { low: BigInt(own.low), stable: BigInt(own.high) };
};

/** Resolves once the partition's last stable offset is past `stable` (an open transaction ended), or at the deadline. */
const stableOffsetPast = async (
  kafka: KafkaClient,
  topic: string,
  partition: number,
  stable: bigint,
  deadline: number,
  heartbeat?: () => Promise<void>,
): Promise<void> => {
  for (let attempt = 1; Date.now() < deadline; attempt += 1) {
    await wait(Math.min(50 * 2 ** attempt, 1_000));
    await heartbeat?.();
    if ((await partitionEnds(kafka, topic, partition)).stable > stable) return;
  }
};

/** Records read back from the end first; each miss reads a window this many times larger. */
const FIRST_WINDOW = 16n;
const WINDOW_GROWTH = 4n;

/**
 * The latest committed record of a key in one partition, reading only its tail: `[end - 16, end)`,
 * then a 4× larger window before that, and so on, until the key is found or the partition's start
 * is reached. A changelog written once per transaction has its latest snapshot in the last few
 * offsets (the rest are transaction markers), so a restore reads a handful of records however long
 * the history is (ADR 009). Reads are read-committed: an aborted snapshot is never returned, and
 * nothing at or past the last stable offset is (see `PartitionStates.restore`).
 */
export const readLatest = async (
  kafka: KafkaClient,
  logger: Logger,
  topic: string,
  partition: number,
  key: string,
  timeoutMs = 30_000,
): Promise<KafkaMessage | undefined> =>
  readLatestBelow(
    kafka,
    logger,
    topic,
    partition,
    key,
    await partitionEnds(kafka, topic, partition),
    timeoutMs,
  );

const readLatestBelow = async (
  kafka: KafkaClient,
  logger: Logger,
  topic: string,
  partition: number,
  key: string,
  ends: PartitionEnds,
  timeoutMs = 30_000,
): Promise<KafkaMessage | undefined> => {
  const deadline = Date.now() + timeoutMs;
  const floor = ends.low;
  let end = ends.stable;
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
