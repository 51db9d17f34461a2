import {
  Kafka,
  type Consumer,
  type ConsumerConfig,
  logLevel,
  type KafkaConfig,
  type LogEntry,
  type logCreator,
  type Producer,
  type ProducerConfig,
  type SASLOptions,
} from 'kafkajs';
import { connect as connectSocket } from 'node:net';
import type { Logger } from 'pino';
import { assertKafkajsPatched } from './kafkajs-patch';
import { keyPartitioner } from './partitioner';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaConnectionConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl?: boolean;
  readonly sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** Connection retries before giving up; services keep the default, a CLI fails fast. */
  readonly retries?: number;
  /**
   * Every connection, to whatever broker address the cluster advertises, goes to this one port
   * on 127.0.0.1: a port-forward to a broker (kubectl) that advertises a name only its cluster
   * resolves. For a single-broker cluster read from outside it, such as the Kubernetes test's.
   */
  readonly forwardedPort?: number;
}

declare const connected: unique symbol;

/**
 * A connection to the cluster, made by `connect` and handed to everything else in this lib. Opaque
 * on purpose: what client library sits behind it is this lib's business alone (ADR 003).
 */
export interface KafkaClient {
  readonly [connected]: true;
  readonly clientId: string;
}

interface Connected extends KafkaClient {
  readonly kafka: Kafka;
}

/** The kafkajs client behind a `KafkaClient`: for this lib's own modules only (not exported). */
export const kafkajsOf = (client: KafkaClient): Kafka => {
  const { kafka } = client as Connected;
  if (!(kafka instanceof Kafka)) throw new Error('not a client made by connect()');
  return kafka;
};

/**
 * How old a client's view of the topics may get before it asks again. kafkajs' 300 s meant a topic
 * grown on a live system (`taxi topics grow`) was not read for five minutes: a consumer rejoins
 * its group when its metadata shows new partitions, and a producer keys onto the new count only
 * then. At 5 s each busy client sends one small Metadata request every 5 s (an idle producer none).
 */
export const METADATA_MAX_AGE_MS = 5_000;

/**
 * Every producer partitions with `keyPartitioner` unless told otherwise (ADR 036); producers and
 * consumers refresh their metadata every METADATA_MAX_AGE_MS.
 */
class KeyPartitionedKafka extends Kafka {
  override producer(config?: ProducerConfig): Producer {
    return super.producer({
      createPartitioner: keyPartitioner,
      metadataMaxAge: METADATA_MAX_AGE_MS,
      ...config,
    });
  }

  override consumer(config: ConsumerConfig): Consumer {
    return super.consumer({ metadataMaxAge: METADATA_MAX_AGE_MS, ...config });
  }
}

/** Routes kafkajs' own logs into pino, keeping its fields and mapping its levels. */
const pinoLogCreator =
  (logger: Logger): logCreator =>
  () =>
  ({ namespace, level, log }: LogEntry) => {
    const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
    const entry = { ...fields, namespace };
    switch (level) {
      case logLevel.ERROR:
        return logger.error(entry, message);
      case logLevel.WARN:
        return logger.warn(entry, message);
      case logLevel.INFO:
        return logger.info(entry, message);
      case logLevel.DEBUG:
        return logger.debug(entry, message);
      case logLevel.NOTHING:
        return undefined;
    }
  };

/**
 * One client per process; its logs go to the service logger under `component: kafka`. Nothing
 * connects yet: producers, consumers and admin clients connect when a function of this lib
 * starts them. Throws first if the installed kafkajs is not the patched one (ADR 033).
 */
export const connect = (config: KafkaConnectionConfig, logger: Logger): KafkaClient => {
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
  const port = config.forwardedPort;
  if (port !== undefined) {
    options.socketFactory = ({ onConnect }) => {
      const socket = connectSocket({ host: '127.0.0.1', port }, onConnect);
      socket.setKeepAlive(true, 60_000);
      return socket;
    };
  }
  const client: Connected = {
    clientId: config.clientId,
    kafka: new KeyPartitionedKafka(options),
  } as Connected;
  return client;
};
