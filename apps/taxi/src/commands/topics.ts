import { describeTopics, type TopicInfo } from '@taxi/kafka';
import type { CliContext } from '../context';
import { duration, table } from '../format';
import { topicName } from '../messages';

const summary = (topic: TopicInfo) => {
  const total = topic.partitions.reduce((n, p) => n + Number(BigInt(p.end) - BigInt(p.start)), 0);
  const retention = topic.config['retention.ms'];
  return (
    `${topic.name}  ${topic.partitions.length} partition(s), ${total} message(s) retained, ` +
    `cleanup.policy=${topic.config['cleanup.policy'] ?? '?'}` +
    `${retention ? `, retention ${duration(Number(retention))}` : ''}`
  );
};

/** `taxi topics [topic...]`: partitions, leaders and replicas, offsets, retention, compaction. */
export const topicsCommand = async (
  context: CliContext,
  names: readonly string[],
  options: { json?: boolean },
): Promise<void> => {
  const wanted = names.map((name) => topicName(context, name));
  const topics = await describeTopics(context.kafka, wanted.length > 0 ? wanted : undefined);
  if (options.json) return context.print(JSON.stringify(topics, null, 2));
  for (const topic of topics) {
    context.print(summary(topic));
    table(
      context.print,
      ['partition', 'leader', 'replicas', 'in-sync', 'start', 'end'],
      topic.partitions.map((p) => [
        p.partition,
        p.leader,
        p.replicas.join(','),
        p.isr.join(','),
        p.start,
        p.end,
      ]),
    );
  }
};
