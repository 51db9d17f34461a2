import pino, { type Logger } from 'pino';
import { topicsFor, type Topics } from '@taxi/events';
import { connect, type KafkaClient } from '@taxi/kafka';
import { ConfigError, kafkaConnection, loadConfig } from '@taxi/service-kit';
import { taxiEnv, type TaxiConfig } from './config';
import { CliError, EXIT } from './exit-codes';

/** What every command works with: config, a Kafka client that fails fast, the topic contracts. */
export interface CliContext {
  readonly config: TaxiConfig;
  readonly kafka: KafkaClient;
  readonly topics: Topics;
  /** Logs (kafkajs' included) go to stderr, so stdout stays clean for --json. */
  readonly logger: Logger;
  /** Writes one line of output (stdout). */
  readonly print: (line: string) => void;
}

export const createContext = (print: (line: string) => void): CliContext => {
  let config: TaxiConfig;
  try {
    config = loadConfig(taxiEnv);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new CliError(error.message.replace(/\s*\n\s*/g, ' '), EXIT.usage);
    throw error;
  }
  const logger = pino({ level: config.LOG_LEVEL, base: { service: 'taxi' } }, pino.destination(2));
  const kafka = connect({ ...kafkaConnection(config, config.KAFKA_CLIENT_ID), retries: 1 }, logger);
  return { config, kafka, topics: topicsFor(config.KAFKA_TOPIC_PREFIX), logger, print };
};
