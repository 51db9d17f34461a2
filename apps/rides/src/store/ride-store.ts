import { mkdirSync, rmSync } from 'node:fs';
import { uptime } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { ReadPosition } from '@taxi/kafka';
import type {
  RideChange,
  RideOutcome,
  RideStatus,
  RideStatusStore,
  StoredRide,
} from '../domain/ride-status';

export const STORE_FILE = 'rides.sqlite';

/**
 * SQLite's page cache, the store's only memory that grows with use: a fixed bound, whatever the
 * number of rides on disk. It holds the b-tree's inner pages (about 2 MiB at a million rides);
 * ride ids are random, so a larger cache would not hold the leaf pages a write or lookup needs
 * either (those come from the operating system's file cache): 16 MiB cost 14 MB more RSS for
 * the same CPU per write.
 */
const PAGE_CACHE_KIB = 4 * 1024;
/** The write-ahead log is cut back to this after each checkpoint. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/** Rides accepted over HTTP and not yet read back from the topic; more are forgotten first. */
const MAX_PENDING = 50_000;

/** Boot times further apart than this are different boots (the clock moves a little). */
const SAME_BOOT_TOLERANCE_S = 60;

/** When the machine (not the process) started, in seconds since the epoch. */
export const machineBootTime = (): number => Math.round(Date.now() / 1000 - uptime());

const SCHEMA_VERSION = 2;
const SCHEMA = `
  CREATE TABLE rides (
    ride_id      TEXT PRIMARY KEY,
    status       TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    requested_ms INTEGER NOT NULL,
    fingerprint  TEXT,
    outcome      TEXT
  );
  CREATE INDEX rides_by_age ON rides (requested_ms);
  CREATE TABLE positions (
    topic       TEXT NOT NULL,
    partition   INTEGER NOT NULL,
    next_offset INTEGER NOT NULL,
    PRIMARY KEY (topic, partition)
  ) WITHOUT ROWID;
  CREATE TABLE host (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    booted_at INTEGER NOT NULL
  );
`;

interface RideRow {
  ride_id: string;
  status: RideStatus['status'];
  requested_at: string;
  fingerprint: string | null;
  outcome: string | null;
}

export class StoreInUseError extends Error {
  constructor(file: string) {
    super(`the ride store ${file} is in use by another process; give each instance its own`);
    this.name = 'StoreInUseError';
  }
}

/**
 * The rides read model on local disk (SQLite, WAL): the status of every ride the topics retain,
 * and, in the same transactions, how far it has read each partition of them. Memory stays
 * bounded (the page cache) whatever the history; a restart resumes from the stored positions.
 *
 * Durability is not needed, only consistency: rows and positions are committed together, so
 * whatever a crash loses is read again from Kafka, and a lost file is rebuilt from the topics.
 * Nothing is ever fsynced (`synchronous=OFF`): on a busy disk one fsync took hundreds of
 * milliseconds, on the event loop that answers HTTP. A process crash loses nothing the
 * operating system was given; only a crash of the machine can leave the file half-written, so
 * a store last opened before the machine's latest boot is discarded and rebuilt.
 */
export class RideStore implements RideStatusStore {
  private readonly db: DatabaseSync;
  private readonly statements: ReturnType<typeof prepare>;
  /** Accepted over HTTP, not yet seen on the topic: answered until the feed brings the row. */
  private readonly pending = new Map<string, StoredRide>();

  /** The boot the store was last opened in (before this open), if it was opened before. */
  private readonly previousBoot: number | undefined;

  private constructor(
    db: DatabaseSync,
    readonly file: string,
    bootedAt: number,
  ) {
    this.db = db;
    this.statements = prepare(db);
    const host = db.prepare('SELECT booted_at FROM host').get() as
      { booted_at: number } | undefined;
    this.previousBoot = host?.booted_at;
    this.statements.saveBoot.run(bootedAt);
  }

  /**
   * Opens (creating it if needed) the store in `dir`, or an in-memory one for `:memory:`. A file
   * SQLite does not recognise as a database is discarded: the feed then rebuilds it from the
   * topics, and `onDiscarded` is told why.
   */
  static open(
    dir: string,
    onDiscarded: (reason: string) => void = () => undefined,
    bootedAt = machineBootTime(),
  ): RideStore {
    if (dir === ':memory:') return RideStore.openFile(dir, bootedAt);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, STORE_FILE);
    const discardAndOpen = (reason: string) => {
      onDiscarded(reason);
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
      return RideStore.openFile(file, bootedAt);
    };
    let store: RideStore;
    try {
      store = RideStore.openFile(file, bootedAt);
    } catch (error) {
      if (!isNotADatabase(error)) throw error;
      return discardAndOpen((error as Error).message);
    }
    const lastBoot = store.previousBoot;
    if (lastBoot !== undefined && Math.abs(lastBoot - bootedAt) > SAME_BOOT_TOLERANCE_S) {
      store.close();
      return discardAndOpen(
        'the machine restarted since the store was last open: writes it had not flushed may be missing',
      );
    }
    return store;
  }

  private static openFile(file: string, bootedAt: number): RideStore {
    const db = new DatabaseSync(file);
    try {
      // Takes the write lock now and keeps it until closed, so a second process pointed at the
      // same file fails at start instead of interleaving its positions with this one's.
      db.exec(`
        PRAGMA locking_mode = EXCLUSIVE;
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = OFF;
        PRAGMA cache_size = -${PAGE_CACHE_KIB};
        PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES};
      `);
      db.exec('BEGIN IMMEDIATE; COMMIT;');
      migrate(db);
      return new RideStore(db, file, bootedAt);
    } catch (error) {
      db.close();
      if (isLocked(error)) throw new StoreInUseError(file);
      throw error;
    }
  }

  get(rideId: string): StoredRide | undefined {
    const row = this.statements.get.get(rideId) as RideRow | undefined;
    return row ? rideOf(row) : this.pending.get(rideId);
  }

  /** The status as answered to clients (without internal fields). */
  status(rideId: string): RideStatus | undefined {
    const stored = this.get(rideId);
    if (!stored) return undefined;
    const { fingerprint: _fingerprint, ...status } = stored;
    return status;
  }

  /**
   * Notes a ride this instance just accepted, so that it is answered before the feed reads it
   * back from the topic. Kept in memory only: the topic, not this note, is the record.
   */
  requested(rideId: string, requestedAt: string, fingerprint?: string): void {
    this.pending.delete(rideId);
    this.pending.set(rideId, { rideId, status: 'requested', requestedAt, fingerprint });
    if (this.pending.size > MAX_PENDING) {
      const oldest = this.pending.keys().next();
      if (!oldest.done) this.pending.delete(oldest.value);
    }
  }

  /** Applies the changes of one batch and records the partition's next offset, atomically. */
  applyBatch(changes: readonly RideChange[], position: ReadPosition): void {
    const { upsertRequested, upsertDecided, savePosition } = this.statements;
    this.db.exec('BEGIN');
    try {
      for (const change of changes) {
        if (change.kind === 'requested') {
          upsertRequested.run(
            change.rideId,
            change.requestedAt,
            Date.parse(change.requestedAt),
            change.fingerprint ?? null,
          );
          this.pending.delete(change.rideId);
        } else {
          const { rideId, status, requestedAt, ...outcome } = change.outcome;
          upsertDecided.run(
            rideId,
            status,
            requestedAt,
            Date.parse(requestedAt),
            JSON.stringify(outcome),
          );
        }
      }
      savePosition.run(position.topic, position.partition, BigInt(position.nextOffset));
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  positions(): ReadPosition[] {
    return (
      this.statements.positions.all() as { topic: string; partition: number; next: string }[]
    ).map((row) => ({ topic: row.topic, partition: row.partition, nextOffset: row.next }));
  }

  /** Deletes up to `limit` rides requested before `cutoff`; returns how many it deleted. */
  pruneRequestedBefore(cutoff: Date, limit: number): number {
    return Number(this.statements.prune.run(cutoff.getTime(), limit).changes);
  }

  /** Forgets every ride and position: the next feed reads the topics from the beginning. */
  reset(): void {
    this.db.exec('BEGIN; DELETE FROM rides; DELETE FROM positions; COMMIT;');
    this.pending.clear();
  }

  close(): void {
    this.db.close();
  }
}

const prepare = (db: DatabaseSync) => ({
  get: db.prepare(
    'SELECT ride_id, status, requested_at, fingerprint, outcome FROM rides WHERE ride_id = ?',
  ),
  // A request never overrides an outcome; it only fills in a fingerprint an outcome lacks.
  upsertRequested: db.prepare(`
    INSERT INTO rides (ride_id, status, requested_at, requested_ms, fingerprint)
    VALUES (?, 'requested', ?, ?, ?)
    ON CONFLICT (ride_id) DO UPDATE SET fingerprint = coalesce(fingerprint, excluded.fingerprint)
  `),
  // An outcome always wins, and keeps the fingerprint of a request that came first. It carries
  // its request's requestedAt, so a row the request made keeps its own: rewriting requested_ms
  // would move the ride in the rides_by_age index for nothing.
  upsertDecided: db.prepare(`
    INSERT INTO rides (ride_id, status, requested_at, requested_ms, outcome)
    VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (ride_id) DO UPDATE SET status = excluded.status, outcome = excluded.outcome
  `),
  savePosition: db.prepare(`
    INSERT INTO positions (topic, partition, next_offset) VALUES (?, ?, ?)
    ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset
  `),
  positions: db.prepare(
    'SELECT topic, partition, CAST(next_offset AS TEXT) AS next FROM positions',
  ),
  saveBoot: db.prepare(`
    INSERT INTO host (id, booted_at) VALUES (1, ?)
    ON CONFLICT (id) DO UPDATE SET booted_at = excluded.booted_at
  `),
  prune: db.prepare(`
    DELETE FROM rides WHERE rowid IN (
      SELECT rowid FROM rides WHERE requested_ms < ? ORDER BY requested_ms LIMIT ?
    )
  `),
});

const rideOf = (row: RideRow): StoredRide => {
  const base = {
    rideId: row.ride_id,
    requestedAt: row.requested_at,
    ...(row.fingerprint !== null && { fingerprint: row.fingerprint }),
  };
  if (row.status === 'requested' || row.outcome === null) return { ...base, status: 'requested' };
  const outcome = JSON.parse(row.outcome) as Omit<RideOutcome, 'rideId' | 'status' | 'requestedAt'>;
  return { ...base, status: row.status, ...outcome } as StoredRide;
};

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;
const sqliteCode = (error: unknown): unknown =>
  (error as { errcode?: unknown } | undefined)?.errcode;
const isLocked = (error: unknown): boolean =>
  sqliteCode(error) === SQLITE_BUSY || sqliteCode(error) === SQLITE_LOCKED;
const isNotADatabase = (error: unknown): boolean =>
  sqliteCode(error) === SQLITE_CORRUPT || sqliteCode(error) === SQLITE_NOTADB;

/** Creates the schema; a store written by another schema version is rebuilt from the topics. */
const migrate = (db: DatabaseSync) => {
  const { user_version: version } = db.prepare('PRAGMA user_version').get() as {
    user_version: number;
  };
  if (version === SCHEMA_VERSION) return;
  db.exec(`
    BEGIN;
    DROP TABLE IF EXISTS rides;
    DROP TABLE IF EXISTS positions;
    DROP TABLE IF EXISTS host;
    ${SCHEMA}
    PRAGMA user_version = ${SCHEMA_VERSION};
    COMMIT;
  `);
};
