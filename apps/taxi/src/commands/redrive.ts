import { describeTopics, redrive } from '@taxi/kafka';
import type { CliContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { topicName } from '../messages';

/**
 * `taxi redrive <topic>.dlq`: sends every dead letter now in the topic back to the topic it came
 * from, once the cause is fixed. Progress is committed (group redrive-<topic>), so a second run
 * re-drives only letters that arrived since.
 */
export const redriveCommand = async (
  context: CliContext,
  topic: string,
  options: { dryRun?: boolean; json?: boolean },
): Promise<void> => {
  if (!topic.endsWith('.dlq'))
    throw new CliError(`${topic} is not a dead-letter topic (*.dlq)`, EXIT.usage);
  const deadLetterTopic = topicName(context, topic);
  await describeTopics(context.kafka, [deadLetterTopic]); // an unknown topic: exit 3, not a hang
  const report = await redrive({
    kafka: context.kafka,
    logger: context.logger,
    deadLetterTopic,
    dryRun: options.dryRun ?? false,
  });
  if (options.json)
    return context.print(JSON.stringify({ dryRun: options.dryRun ?? false, ...report }));
  context.print(
    `${options.dryRun ? 'would re-drive' : 're-drove'} ${report.redriven} message(s)` +
      Object.entries(report.byTarget)
        .map(([target, n]) => ` ${n}→${target}`)
        .join(',') +
      (report.skipped ? `; ${report.skipped} without a source topic left alone` : ''),
  );
};
