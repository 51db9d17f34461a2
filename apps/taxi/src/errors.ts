import { CommanderError } from 'commander';
import { isBrokerUnreachable, UnknownTopicError } from '@taxi/kafka';
import { CliError, EXIT } from './exit-codes';
import { GrowthIncompleteError, GrowthRefusedError } from './grow/grow-topics';

/** Any failure as one line and its exit code. */
export const failureOf = (error: unknown): { message: string; exitCode: number } => {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof CommanderError)
    return { message: error.message.replace(/^error: /, ''), exitCode: EXIT.usage };
  if (error instanceof GrowthRefusedError)
    return { message: error.message, exitCode: EXIT.refused };
  if (error instanceof GrowthIncompleteError)
    return { message: error.message, exitCode: EXIT.incomplete };
  if (error instanceof UnknownTopicError)
    return { message: error.message, exitCode: EXIT.notFound };
  if (isBrokerUnreachable(error))
    return {
      message: `cannot reach Kafka (KAFKA_BROKERS): ${(error as Error).message}`,
      exitCode: EXIT.unreachable,
    };
  return { message: error instanceof Error ? error.message : String(error), exitCode: EXIT.failed };
};
