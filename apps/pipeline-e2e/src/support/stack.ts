import { randomUUID } from 'node:crypto';
import { SmtpSink } from './smtp-sink';
import { startService, type ServiceName, type ServiceProcess } from './service-process';

export interface Stack {
  readonly smtp: SmtpSink;
  readonly prefix: string;
  readonly ridesUrl: string;
  readonly analyticsUrl: string;
  readonly services: Record<ServiceName, ServiceProcess>;
  readonly ports: Record<ServiceName, number>;
  readonly env: (name: ServiceName) => Record<string, string>;
  restart(name: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

const READY: Record<ServiceName, string> = {
  rides: 'joined consumer group',
  transaction: 'joined consumer group',
  email: 'joined consumer group',
  analytics: 'joined consumer group',
};

/**
 * The whole pipeline as four separate processes on the test's broker, with topics, groups and
 * transactional ids of its own (a fresh prefix), and a real SMTP server.
 */
export const startStack = async (
  overrides: Partial<Record<ServiceName, Record<string, string>>> = {},
): Promise<Stack> => {
  const brokers = process.env['KAFKA_BROKERS'];
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run through `npm run test:int`');
  const run = randomUUID().slice(0, 8);
  const prefix = `e2e-${run}.`;
  const smtp = await SmtpSink.start();
  const common = {
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_GROUP_ID: `e2e-${run}`,
    TRANSACTIONAL_ID_PREFIX: `e2e-${run}`,
  };
  const env = (name: ServiceName): Record<string, string> => ({
    ...common,
    HTTP_PORT: '0',
    ...(name === 'rides' && { READ_MODEL_GROUP_PREFIX: `e2e-${run}-read-model` }),
    ...(name === 'transaction' && { DRIVER_BUSY_TIME_SCALE: '0' }),
    ...(name === 'email' && { SMTP_URL: smtp.url, SEND_RETRY_MAX_DELAY_MS: '1000' }),
    ...(name === 'analytics' && { SUMMARY_INTERVAL_MS: '1000' }),
    KAFKA_GROUP_ID: `e2e-${run}-${name}`,
    TRANSACTIONAL_ID_PREFIX: `e2e-${run}-${name}`,
    ...overrides[name],
  });
  const names: ServiceName[] = ['transaction', 'email', 'analytics', 'rides'];
  const services = {} as Record<ServiceName, ServiceProcess>;
  const ports = {} as Record<ServiceName, number>;
  const launch = async (name: ServiceName) => {
    const started = await startService(name, env(name), READY[name]);
    services[name] = started.process;
    ports[name] = started.port;
  };
  // Topic creation races are handled by the services, but starting one first keeps logs tidy.
  await launch('transaction');
  await Promise.all(names.filter((name) => name !== 'transaction').map(launch));
  return {
    smtp,
    prefix,
    get ridesUrl() {
      return `http://127.0.0.1:${ports.rides}`;
    },
    get analyticsUrl() {
      return `http://127.0.0.1:${ports.analytics}`;
    },
    services,
    ports,
    env,
    restart: async (name) => {
      await services[name].stop('SIGKILL');
      await launch(name);
    },
    stop: async () => {
      await Promise.all(Object.values(services).map((service) => service.stop('SIGTERM')));
      await smtp.stop();
    },
  };
};
