import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SmtpSink } from './smtp-sink';
import { startService, type ServiceName, type ServiceProcess } from './service-process';

export const SERVICE_NAMES: readonly ServiceName[] = ['transaction', 'email', 'analytics', 'rides'];

export interface StackOptions {
  /** Kafka bootstrap servers; default: KAFKA_BROKERS of the test run. */
  readonly brokers?: string;
  /** Topic prefix; default a fresh `e2e-<run>.`. */
  readonly prefix?: string;
  /** Extra environment per service. */
  readonly env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Email writes .eml files here instead of sending to the SMTP server. */
  readonly outboxDir?: string;
  /** The SMTP server only counts what it receives, keeping nothing (for the bench). */
  readonly countOnlySmtp?: boolean;
  /** The services' release: a folder with dist/apps (build-release.sh); default the working tree's. */
  readonly release?: string;
  /**
   * How the services create topics: replication factor and min.insync.replicas. Default: the
   * test run's KAFKA_REPLICATION_FACTOR and KAFKA_MIN_INSYNC_REPLICAS (with-kafka.sh sets them
   * for a local cluster), else the services' own defaults.
   */
  readonly replication?: Replication;
}

export interface InstanceOptions {
  /** Another release than the stack's, for this instance (a rolling upgrade). */
  readonly release?: string;
}

export interface Replication {
  readonly factor: number;
  readonly minInSync?: number;
}

/** The replication the test run's environment asks for, as service variables. */
const replicationEnv = (replication: Replication | undefined): Record<string, string> => {
  const factor = replication?.factor ?? process.env['KAFKA_REPLICATION_FACTOR'];
  const minInSync = replication ? replication.minInSync : process.env['KAFKA_MIN_INSYNC_REPLICAS'];
  return {
    ...(factor !== undefined && factor !== '' && { KAFKA_REPLICATION_FACTOR: String(factor) }),
    ...(minInSync !== undefined &&
      minInSync !== '' && { KAFKA_MIN_INSYNC_REPLICAS: String(minInSync) }),
  };
};

export interface Stack {
  readonly smtp: SmtpSink;
  readonly prefix: string;
  readonly brokers: string;
  readonly ridesUrl: string;
  readonly analyticsUrl: string;
  /** The first instance of each service. */
  readonly services: Record<ServiceName, ServiceProcess>;
  readonly ports: Record<ServiceName, number>;
  /** Every instance started, extra ones and replaced ones included. */
  readonly instances: ServiceProcess[];
  env(name: ServiceName): Record<string, string>;
  /** Starts (again) the first instance of a service and waits until it is ready. */
  launch(name: ServiceName): Promise<ServiceProcess>;
  /** Starts one more instance of a service, in the same consumer group (rides: an empty store). */
  addInstance(name: ServiceName, options?: InstanceOptions): Promise<ServiceProcess>;
  /** A directory no rides instance uses yet, for the store of one started by hand. */
  newRidesStoreDir(): string;
  /** SIGKILL the first instance and start it again. */
  restart(name: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole pipeline as separate processes on a real broker, with topics, groups and
 * transactional ids of its own (a fresh prefix), and a real SMTP server.
 */
export const startStack = async (options: StackOptions = {}): Promise<Stack> => {
  const brokers = options.brokers ?? process.env['KAFKA_BROKERS'];
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run through `npm run test:int`');
  const run = randomUUID().slice(0, 8);
  const prefix = options.prefix ?? `e2e-${run}.`;
  const smtp = await SmtpSink.start({ countOnly: options.countOnlySmtp ?? false });
  // Each rides instance keeps its read model in a store of its own; a restart reuses it.
  const storeRoot = mkdtempSync(path.join(tmpdir(), `e2e-${run}-`));
  let ridesStores = 0;
  const newRidesStoreDir = () => path.join(storeRoot, `rides-${(ridesStores += 1)}`);
  const firstRidesStore = newRidesStoreDir();
  const env = (name: ServiceName): Record<string, string> => ({
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_GROUP_ID: `e2e-${run}-${name}`,
    TRANSACTIONAL_ID_PREFIX: `e2e-${run}-${name}`,
    HTTP_PORT: '0',
    ...replicationEnv(options.replication),
    ...(name === 'rides' && {
      READ_MODEL_GROUP_PREFIX: `e2e-${run}-read-model`,
      RIDES_STORE_DIR: firstRidesStore,
    }),
    ...(name === 'transaction' && { DRIVER_BUSY_TIME_SCALE: '0' }),
    ...(name === 'email' && {
      ...(options.outboxDir ? { OUTBOX_DIR: options.outboxDir } : { SMTP_URL: smtp.url }),
      SEND_RETRY_MAX_DELAY_MS: '1000',
    }),
    ...options.env?.[name],
  });
  const services = {} as Record<ServiceName, ServiceProcess>;
  const ports = {} as Record<ServiceName, number>;
  const instances: ServiceProcess[] = [];
  // rides is ready once its store has caught up with the topics; the others once they joined.
  const start = async (
    name: ServiceName,
    extraEnv: Record<string, string> = {},
    release = options.release,
  ) => {
    const started = await startService(
      name,
      { ...env(name), ...extraEnv },
      name === 'rides' ? 'local store caught up with the topics' : 'joined consumer group',
      release,
    );
    instances.push(started.process);
    return started;
  };
  const launch = async (name: ServiceName) => {
    const started = await start(name);
    services[name] = started.process;
    ports[name] = started.port;
    return started.process;
  };
  // The first service creates the topics; the others then start together. If one fails to
  // start, those that did are stopped: a failed run leaves no process behind.
  const launched = await Promise.allSettled([launch('transaction')]).then(async (first) =>
    first[0]?.status === 'rejected'
      ? first
      : [
          ...first,
          ...(await Promise.allSettled(
            SERVICE_NAMES.filter((name) => name !== 'transaction').map(launch),
          )),
        ],
  );
  const failed = launched.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.all(instances.map((service) => service.stop('SIGKILL')));
    await smtp.stop();
    rmSync(storeRoot, { recursive: true, force: true });
    throw failed.reason;
  }
  return {
    smtp,
    prefix,
    brokers,
    get ridesUrl() {
      return `http://127.0.0.1:${ports.rides}`;
    },
    get analyticsUrl() {
      return `http://127.0.0.1:${ports.analytics}`;
    },
    services,
    ports,
    instances,
    env,
    launch,
    addInstance: async (name, instance = {}) =>
      (
        await start(
          name,
          name === 'rides' ? { RIDES_STORE_DIR: newRidesStoreDir() } : {},
          instance.release ?? options.release,
        )
      ).process,
    newRidesStoreDir,
    restart: async (name) => {
      await services[name].stop('SIGKILL');
      await launch(name);
    },
    stop: async () => {
      await Promise.all(instances.map((service) => service.stop('SIGTERM')));
      await smtp.stop();
      rmSync(storeRoot, { recursive: true, force: true });
    },
  };
};
