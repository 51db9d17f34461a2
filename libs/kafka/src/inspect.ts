import { randomUUID } from 'node:crypto';
import { fetchTopicOffsets } from './topic-offsets';
import { AssignerProtocol, ConfigResourceTypes, type Kafka } from 'kafkajs';

// What a Kafka CLI shows (topics, groups and their lag, messages as they come), as plain data:
// the `taxi` CLI prints it, and never sees kafkajs.

export class UnknownTopicError extends Error {
  constructor(readonly topics: readonly string[]) {
    super(`no such topic: ${topics.join(', ')}`);
    this.name = 'UnknownTopicError';
  }
}

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

/** Runs `use` with a connected admin client, disconnected afterwards whatever happens. */
export const withAdmin = async <T>(
  kafka: Kafka,
  use: (admin: ReturnType<Kafka['admin']>) => Promise<T>,
) => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
};

/** Topic names on the cluster, without Kafka's own (`__consumer_offsets`, ...). */
export const listTopics = (kafka: Kafka): Promise<string[]> =>
  withAdmin(kafka, async (admin) =>
    (await admin.listTopics()).filter((name) => !name.startsWith('__')).sort(),
  );

/** Partitions (leader, replicas, in-sync replicas, start and end offsets) and configs of topics. */
export const describeTopics = (kafka: Kafka, names?: readonly string[]): Promise<TopicInfo[]> =>
  withAdmin(kafka, async (admin) => {
    const existing = (await admin.listTopics()).filter((name) => !name.startsWith('__'));
    const unknown = (names ?? []).filter((name) => !existing.includes(name));
    if (unknown.length > 0) throw new UnknownTopicError(unknown);
    const wanted = [...(names ?? existing)].sort();
    if (wanted.length === 0) return [];
    const { topics } = await admin.fetchTopicMetadata({ topics: wanted });
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
        const offsets = await fetchTopicOffsets(admin, name);
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
export const describeGroups = (kafka: Kafka, groupIds?: readonly string[]): Promise<GroupInfo[]> =>
  withAdmin(kafka, async (admin) => {
    const ids = groupIds ?? (await admin.listGroups()).groups.map((g) => g.groupId).sort();
    if (ids.length === 0) return [];
    const { groups } = await admin.describeGroups([...ids]);
    const ends = new Map<string, { partition: number; high: string; low: string }[]>();
    const endsOf = async (topic: string) => {
      if (!ends.has(topic)) ends.set(topic, await fetchTopicOffsets(admin, topic));
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

export interface TailedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface Tail {
  /** Resolves when stopped; rejects if the consumer crashes. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reads topics as messages arrive (from the beginning when asked), in a throwaway consumer group
 * that commits nothing, so it never disturbs the services' groups.
 */
export const tailTopics = async (
  kafka: Kafka,
  options: {
    topics: readonly string[];
    fromBeginning: boolean;
    onMessage: (message: TailedMessage) => Promise<void> | void;
  },
): Promise<Tail> => {
  const existing = await listTopics(kafka);
  const unknown = options.topics.filter((topic) => !existing.includes(topic));
  if (unknown.length > 0) throw new UnknownTopicError(unknown);
  const consumer = kafka.consumer({ groupId: `taxi-cli-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  let crashed: (error: unknown) => void = () => undefined;
  let stopped: () => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    crashed = reject;
    stopped = resolve;
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) crashed(payload.error);
  });
  await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      await options.onMessage({
        topic,
        partition,
        offset: message.offset,
        timestamp: new Date(Number(message.timestamp)).toISOString(),
        key: message.key?.toString() ?? null,
        value: message.value,
        headers: Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
        ),
      });
    },
  });
  return {
    done,
    stop: async () => {
      await consumer.disconnect();
      stopped();
    },
  };
};

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
