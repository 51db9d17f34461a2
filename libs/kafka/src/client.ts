import {
  Kafka,
  type KafkaConfig,
  type Producer,
  type ProducerConfig,
  type SASLOptions,
} from 'kafkajs';
import type { Logger } from 'pino';
import { assertKafkajsPatched } from './kafkajs-patch';
import { keyPartitioner } from './partitioner';
import { pinoLogCreator } from './log-creator';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaConnectionConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl?: boolean;
  readonly sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** Connection retries before giving up; services keep the default, a CLI fails fast. */
  readonly retries?: number;
}

/** Every producer partitions with `keyPartitioner` unless told otherwise (ADR 024). */
class KeyPartitionedKafka extends Kafka {
  override producer(config?: ProducerConfig): Producer {
    return super.producer({ createPartitioner: keyPartitioner, ...config });
  }
}

/**
 * One Kafka client per process; its logs go to the service logger under `component: kafka`.
 * Throws first if the installed kafkajs is not the patched one (ADR 033).
 */
export const createKafka = (config: KafkaConnectionConfig, logger: Logger): Kafka => {
  assertKafkajsPatched();
  const options: KafkaConfig = {
    clientId: config.clientId,
    brokers: [...config.brokers],
    ssl: config.ssl ?? false,
    logCreator: pinoLogCreator(logger.child({ component: 'kafka' })),
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    // Retried at least once a second, for about 20 s in all (a failover takes ~10 s: the
    // controller fences a dead broker after 9 s): consumers and transactions reach a new leader
    // within a second of its election, and give up (their consumer is replaced) only after a
    // failover should have ended (ADR 037).
    retry: { initialRetryTime: 300, maxRetryTime: 1_000, retries: config.retries ?? 20 },
  };
  if (config.sasl) options.sasl = config.sasl as SASLOptions;
  return new KeyPartitionedKafka(options);
};
