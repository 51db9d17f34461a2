import { parseArgs } from 'node:util';

export const USAGE = `usage: redrive <dead-letter-topic> [--dry-run]

Sends every message now in the dead-letter topic back to the topic it came from, once the cause
is fixed. Progress is committed (consumer group redrive-<topic>): a second run re-drives only
letters that arrived since. --dry-run lists them without sending or committing.
Kafka connection: KAFKA_BROKERS and the other variables in docs/configuration.md.`;

export type RedriveArgs = { deadLetterTopic: string; dryRun: boolean } | { error: string };

export const parseRedriveArgs = (argv: readonly string[]): RedriveArgs => {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { 'dry-run': { type: 'boolean', default: false }, help: { type: 'boolean' } },
    });
  } catch (error) {
    return { error: (error as Error).message };
  }
  const [topic, ...extra] = parsed.positionals;
  if (parsed.values.help || !topic || extra.length > 0)
    return { error: 'expected one dead-letter topic' };
  if (!topic.endsWith('.dlq')) return { error: `${topic} is not a dead-letter topic (*.dlq)` };
  return { deadLetterTopic: topic, dryRun: parsed.values['dry-run'] ?? false };
};
