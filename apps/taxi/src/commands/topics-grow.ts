import type { CliContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { describeSteps } from '../grow/growth-plan';
import { growTopics } from '../grow/grow-topics';

/**
 * `taxi topics grow --partitions N`: every co-partitioned topic to N partitions, in ADR 038's
 * order; `--dry-run` prints the plan. docs/growing-partitions.md says when and how.
 */
export const topicsGrowCommand = async (
  context: CliContext,
  options: { partitions?: string; dryRun?: boolean; json?: boolean },
): Promise<void> => {
  const partitions = Number(options.partitions);
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new CliError('--partitions must be a positive integer', EXIT.usage);
  const dryRun = options.dryRun ?? false;
  const plan = await growTopics({
    kafka: context.kafka,
    topics: context.topics,
    partitions,
    dryRun,
    onStep: (step, index) => {
      if (!options.json) context.print(`step ${index + 1} done: ${step.what}`);
    },
  });
  if (options.json) return context.print(JSON.stringify({ dryRun, ...plan }));
  if (plan.kind === 'nothing-to-do')
    return context.print(`nothing to do: every co-partitioned topic has ${partitions} partitions`);
  if (plan.kind !== 'grow') return;
  if (dryRun) {
    context.print(`would grow to ${partitions} partitions (dry run, nothing changed):`);
    for (const line of describeSteps(plan.steps)) context.print(`  ${line}`);
    return;
  }
  context.print(
    `grown to ${partitions} partitions: ${describeSteps(plan.steps).join('; ')}. ` +
      'Running services take the new partitions within seconds.',
  );
};
