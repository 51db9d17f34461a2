import { AssignerProtocol, ConfigResourceTypes, type Admin } from 'kafkajs';
import type { Logger } from 'pino';
import type { TopicSettings } from '@taxi/events';
import { kafkajsOf, type KafkaClient } from './connect';
import { backoffDelay, wait } from './retry';

// The admin side: topics made and described, offsets read. Every function here borrows one
// connected admin client through `withAdmin`; none keeps one open.

/** Runs `use` with a connected admin client, disconnected afterwards whatever happens. */
export const withAdmin = async <T>(
  client: KafkaClient,
  use: (admin: Admin) => Promise<T>,
): Promise<T> => {
  const admin = kafkajsOf(client).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
};

export class UnknownTopicError extends Error {
  constructor(readonly topics: readonly string[]) {
    super(`no such topic: ${topics.join(', ')}`);
    this.name = 'UnknownTopicError';
  }
}

const UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
]);

/** True when the error (or what it wraps) says no broker could be reached. */
export const isBrokerUnreachable = (error: unknown): boolean => {
  for (
    let e = error as { name?: string; originalError?: unknown; cause?: unknown } | undefined;
    e;
  ) {
    if (e.name && UNREACHABLE.has(e.name)) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
};

export interface ProvisionOptions {
  readonly replicationFactor: number;
  /** `min.insync.replicas` for every topic; only meaningful with replication above 1. */
  readonly minInSyncReplicas?: number;
}

/**
 * Creates the topics that do not exist yet, with their partitions and configs. Safe to call from
 * every service at start-up, concurrently: existing topics are left as they are.
 */
export const ensureTopics = (
  client: KafkaClient,
  topics: readonly TopicSettings[],
  options: ProvisionOptions,
  logger: Logger,
): Promise<string[]> =>
  withAdmin(client, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0) return [];
    const minIsr =
      options.minInSyncReplicas === undefined
        ? {}
        : { 'min.insync.replicas': String(options.minInSyncReplicas) };
    try {
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          replicationFactor: options.replicationFactor,
          configEntries: Object.entries({ ...topic.config, ...minIsr }).map(([name, value]) => ({
            name,
            value,
          })),
        })),
      });
    } catch (error) {
      // Another service created the same topics a moment earlier.
      if (!isTopicExistsError(error)) throw error;
    }
    const created = missing.map((topic) => topic.name);
    await leadersElected(admin, missing);
    logger.info({ topics: created }, 'created topics');
    return created;
  });

const LEADER_WAIT_MS = 30_000;

/**
 * Resolves once every topic has its partition count and each partition a leader. kafkajs' own `waitForLeaders` gives
 * up when the broker answers "unknown topic" for a topic it has just created (KRaft publishes
 * the metadata a moment later, later still on a busy machine): here that answer means "not yet".
 */
export const leadersElected = async (
  admin: Admin,
  topics: readonly Pick<TopicSettings, 'name' | 'partitions'>[],
): Promise<void> => {
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (let attempt = 1; ; attempt += 1) {
    const ready = await admin
      .fetchTopicMetadata({ topics: topics.map((topic) => topic.name) })
      .then(
        (metadata) =>
          topics.every((topic) => {
            const found = metadata.topics.find((t) => t.name === topic.name);
            return (
              found?.partitions.length === topic.partitions &&
              found.partitions.every((partition) => partition.leader >= 0)
            );
          }),
        () => false,
      );
    if (ready) return;
    if (Date.now() > deadline)
      throw new Error(`no leaders for ${topics.map((t) => t.name)} in time`);
    await wait(Math.min(100 * attempt, 1_000));
  }
};

const isTopicExistsError = (error: unknown): boolean => {
  const text = JSON.stringify(error, Object.getOwnPropertyNames(error ?? {}));
  return text.includes('TOPIC_ALREADY_EXISTS') || text.includes('already exists');
};

/** Topic names on the cluster, without Kafka's own (`__consumer_offsets`, ...). */
export const listTopics = (client: KafkaClient): Promise<string[]> =>
  withAdmin(client, async (admin) =>
    (await admin.listTopics()).filter((name) => !name.startsWith('__')).sort(),
  );

/**
 * Deletes every topic whose name starts with `prefix`; returns their names. For runs that made
 * topics of their own (the bench's million-ride runs leave gigabytes behind otherwise).
 */
export const deleteTopicsWithPrefix = async (
  client: KafkaClient,
  prefix: string,
): Promise<string[]> => {
  if (prefix === '') throw new Error('refusing to delete every topic: the prefix is empty');
  return withAdmin(client, async (admin) => {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    return topics;
  });
};

/** The first retained offset and the next to be written, of one partition. */
export interface PartitionOffsets {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

/** Tries of an admin request that failed in a way worth trying again (see `retrying`). */
const OFFSET_ATTEMPTS = 10;

const isRetriable = (error: unknown): boolean =>
  (error as { retriable?: unknown } | undefined)?.retriable === true;

/**
 * kafkajs' answer when its cached metadata lacked the topic as it asked for the offsets: a
 * TypeError from `fetchTopicOffsets` (tulios/kafkajs#461). Two metadata refreshes of one admin run
 * unsynchronised (one for the topics it targets, one "if necessary" for fewer), and the one that
 * ends last replaces the cache; a call running beside another then finds no partitions for its
 * topic. Seen on the 3-node cluster only, where metadata answers come from different nodes: email
 * exited at start-up. Calls on one admin are queued below; this is the guard behind the queue.
 */
const isMissingFromMetadata = (error: unknown): boolean =>
  error instanceof TypeError && /(high|low)\.pop\(/.test(error.message);

/** The `topicOffsets` call each admin is running, so that the next waits for it (see above). */
const offsetCalls = new WeakMap<Admin, Promise<unknown>>();

/**
 * Each partition's low and high offsets. kafkajs gives up at once on a retriable error of the
 * ListOffsets answer (e.g. "This server is not the leader for that topic-partition" while a topic
 * just created gets its leaders, or a broker restarts); this tries again with backoff. Calls on the
 * same admin run one after another: kafkajs races when they overlap.
 */
export const topicOffsets = (admin: Admin, topic: string): Promise<PartitionOffsets[]> => {
  const previous = offsetCalls.get(admin) ?? Promise.resolve();
  const call = previous.catch(() => undefined).then(() => offsetsWithRetries(admin, topic));
  offsetCalls.set(admin, call);
  return call;
};

const offsetsWithRetries = (admin: Admin, topic: string): Promise<PartitionOffsets[]> =>
  retrying(
    () => admin.fetchTopicOffsets(topic),
    (error) => isRetriable(error) || isMissingFromMetadata(error),
  );

/**
 * Runs an admin request again, with backoff, while it fails in a way worth trying again: kafkajs'
 * admin gives up at once on most retriable errors of an answer.
 */
const retrying = async <T>(
  request: () => Promise<T>,
  worthRetrying: (error: unknown) => boolean = isRetriable,
): Promise<T> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await request();
    } catch (error) {
      if (attempt >= OFFSET_ATTEMPTS || !worthRetrying(error)) throw error;
      await wait(
        backoffDelay(
          { attempts: OFFSET_ATTEMPTS, initialDelayMs: 100, maxDelayMs: 2_000 },
          attempt,
        ),
      );
    }
  }
};

export interface PartitionInfo {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** First offset still retained. */
  readonly start: string;
  /** The offset the next message will get (the "high watermark"). */
  readonly end: string;
}

export interface TopicInfo {
  readonly name: string;
  readonly partitions: readonly PartitionInfo[];
  /** `retention.ms`, `cleanup.policy` and the other configs this app sets. */
  readonly config: Readonly<Record<string, string>>;
}

const SHOWN_CONFIGS = ['cleanup.policy', 'retention.ms', 'min.compaction.lag.ms', 'segment.ms'];

/** Partitions (leader, replicas, in-sync replicas, start and end offsets) and configs of topics. */
export const describeTopics = (
  client: KafkaClient,
  names?: readonly string[],
): Promise<TopicInfo[]> =>
  withAdmin(client, async (admin) => {
    const existing = (await admin.listTopics()).filter((name) => !name.startsWith('__'));
    const unknown = (names ?? []).filter((name) => !existing.includes(name));
    if (unknown.length > 0) throw new UnknownTopicError(unknown);
    const wanted = [...(names ?? existing)].sort();
    if (wanted.length === 0) return [];
    // A broker that has not yet applied a topic's creation answers "unknown topic": retried.
    const { topics } = await retrying(() => admin.fetchTopicMetadata({ topics: wanted }));
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: wanted.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: SHOWN_CONFIGS,
      })),
    });
    return Promise.all(
      wanted.map(async (name) => {
        const offsets = await topicOffsets(admin, name);
        const metadata = topics.find((topic) => topic.name === name)?.partitions ?? [];
        const entries = configs.resources.find((r) => r.resourceName === name)?.configEntries ?? [];
        return {
          name,
          partitions: metadata
            .map((p) => {
              const offset = offsets.find((o) => o.partition === p.partitionId);
              return {
                partition: p.partitionId,
                leader: p.leader,
                replicas: p.replicas,
                isr: p.isr,
                start: offset?.low ?? '0',
                end: offset?.high ?? '0',
              };
            })
            .sort((a, b) => a.partition - b.partition),
          config: Object.fromEntries(entries.map((e) => [e.configName, e.configValue])),
        };
      }),
    );
  });

export interface GroupPartition {
  readonly topic: string;
  readonly partition: number;
  /** Next offset the group will read; null when it never committed there. */
  readonly committed: string | null;
  readonly end: string;
  /** Messages not yet committed by the group: end - committed (end - start when none). */
  readonly lag: number;
  /** The member reading it now, if any. */
  readonly member: string | null;
}

export interface GroupInfo {
  readonly groupId: string;
  readonly state: string;
  readonly members: readonly { memberId: string; clientId: string; host: string }[];
  readonly partitions: readonly GroupPartition[];
}

/** Consumer groups: their members, which partitions each member has, and the lag per partition. */
export const describeGroups = (
  client: KafkaClient,
  groupIds?: readonly string[],
): Promise<GroupInfo[]> =>
  withAdmin(client, async (admin) => {
    const ids = groupIds ?? (await admin.listGroups()).groups.map((g) => g.groupId).sort();
    if (ids.length === 0) return [];
    const { groups } = await admin.describeGroups([...ids]);
    const ends = new Map<string, PartitionOffsets[]>();
    const endsOf = async (topic: string) => {
      if (!ends.has(topic)) ends.set(topic, await topicOffsets(admin, topic));
      return ends.get(topic) ?? [];
    };
    return Promise.all(
      groups.map(async (group) => {
        const owner = new Map<string, string>();
        for (const member of group.members) {
          const decoded = member.memberAssignment.length
            ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment)
            : null;
          for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {}))
            for (const partition of partitions) owner.set(`${topic}:${partition}`, member.memberId);
        }
        // Every partition of the topics the group reads or has read, not only those it committed.
        const readTopics = new Set(
          [...owner.keys()].map((key) => key.slice(0, key.lastIndexOf(':'))),
        );
        for (const { topic } of await admin.fetchOffsets({ groupId: group.groupId }))
          readTopics.add(topic);
        const committed =
          readTopics.size > 0
            ? await admin.fetchOffsets({ groupId: group.groupId, topics: [...readTopics] })
            : [];
        const partitions: GroupPartition[] = [];
        for (const { topic, partitions: offsets } of committed) {
          const topicEnds = await endsOf(topic);
          for (const { partition, offset } of offsets) {
            const end = topicEnds.find((e) => e.partition === partition);
            const at = BigInt(offset) >= 0n ? BigInt(offset) : BigInt(end?.low ?? '0');
            partitions.push({
              topic,
              partition,
              committed: BigInt(offset) >= 0n ? offset : null,
              end: end?.high ?? '0',
              lag: Number(BigInt(end?.high ?? '0') - at),
              member: owner.get(`${topic}:${partition}`) ?? null,
            });
          }
        }
        return {
          groupId: group.groupId,
          state: group.state,
          members: group.members.map(({ memberId, clientId, clientHost }) => ({
            memberId,
            clientId,
            host: clientHost,
          })),
          partitions: partitions.sort(
            (a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition,
          ),
        };
      }),
    );
  });

export interface PartitionLag {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** Records between the group's committed offset and the partition's end. */
  readonly lag: number;
}

/**
 * The lag of every group that has committed offsets on one of the topics, per partition, as
 * `kafka-consumer-groups.sh --describe` computes it: end offset minus committed offset. On topics
 * written in transactions the end includes the commit markers, so an idle group reads a lag of 1
 * on a partition whose last write was transactional, as Kafka's tool does. Groups that never
 * commit (readers) have no lag and are left out.
 */
export const groupLag = async (
  client: KafkaClient,
  topics: readonly string[],
): Promise<PartitionLag[]> =>
  (await describeGroups(client)).flatMap(({ groupId, partitions }) =>
    partitions
      .filter((p) => p.committed !== null && topics.includes(p.topic))
      // An end read before a commit that came after it: no lag, not a negative one.
      .map(({ topic, partition, lag }) => ({ groupId, topic, partition, lag: Math.max(0, lag) })),
  );

/** Sets a group's committed offsets (the group must have no members), e.g. a re-drive's progress. */
export const commitGroupOffsets = (
  client: KafkaClient,
  groupId: string,
  topic: string,
  partitions: readonly { partition: number; offset: string }[],
): Promise<void> =>
  withAdmin(client, (admin) => admin.setOffsets({ groupId, topic, partitions: [...partitions] }));

/** A group's committed offsets on a topic (partitions it never committed are left out). */
export const committedOffsets = (
  client: KafkaClient,
  groupId: string,
  topic: string,
): Promise<Map<number, string>> =>
  withAdmin(client, async (admin) => {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(
      (committed?.partitions ?? [])
        .filter((p) => BigInt(p.offset) >= 0n)
        .map((p) => [p.partition, p.offset]),
    );
  });
