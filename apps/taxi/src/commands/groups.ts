import { describeGroups } from '@taxi/kafka';
import type { CliContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { table } from '../format';
import { topicName } from '../messages';

/** `taxi groups [group...]`: members, who has which partition, committed offset and lag. */
export const groupsCommand = async (
  context: CliContext,
  ids: readonly string[],
  options: { json?: boolean },
): Promise<void> => {
  const wanted = ids.map((id) => topicName(context, id));
  const prefix = context.config.KAFKA_TOPIC_PREFIX;
  const groups = (
    await describeGroups(context.kafka, wanted.length > 0 ? wanted : undefined)
  ).filter(
    // The CLI's own throwaway groups (tail, watch) are noise, and so are other environments'.
    (group) =>
      wanted.length > 0 ||
      (!group.groupId.startsWith('taxi-cli-') && group.groupId.startsWith(prefix)),
  );
  const missing = groups.filter((g) => g.state === 'Dead' && g.partitions.length === 0);
  if (missing.length > 0)
    throw new CliError(
      `no such consumer group: ${missing.map((g) => g.groupId).join(', ')}`,
      EXIT.notFound,
    );
  if (options.json) return context.print(JSON.stringify(groups, null, 2));
  for (const group of groups) {
    const lag = group.partitions.reduce((n, p) => n + p.lag, 0);
    context.print(
      `${group.groupId}  ${group.state}, ${group.members.length} member(s), lag ${lag}`,
    );
    for (const member of group.members)
      context.print(`  member ${member.memberId} (${member.clientId} on ${member.host})`);
    table(
      context.print,
      ['topic', 'partition', 'committed', 'end', 'lag', 'member'],
      group.partitions.map((p) => [p.topic, p.partition, p.committed, p.end, p.lag, p.member]),
    );
  }
};
