import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

// docker-compose.yml as Docker Compose itself resolves it (`docker compose config`: the compose
// specification checked, anchors merged, paths made absolute): what the file promises that the
// running stack (compose-stack.containers.ts) cannot show, because the test moves its ports and
// replaces third-party images with stand-ins.

const workspaceRoot = path.resolve(__dirname, '../../../..');
const readWorkspaceFile = (file: string) => readFileSync(path.join(workspaceRoot, file), 'utf8');
const exec = promisify(execFile);

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  depends_on?: Record<string, { condition?: string }>;
  environment?: Record<string, string>;
  ports?: { host_ip?: string; target: number; published?: string }[];
  volumes?: { type: string; source: string; target: string; read_only?: boolean }[];
  healthcheck?: { test?: string[] };
  mem_limit?: string;
}
interface Config {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** `docker compose config --format json` of a compose file given as text. */
const composeConfig = async (yaml: string) => {
  const child = exec('docker', ['compose', '-f', '-', 'config', '--format', 'json'], {
    cwd: workspaceRoot,
    maxBuffer: 16 * 1024 * 1024,
  });
  child.child.stdin?.end(yaml);
  return JSON.parse((await child).stdout) as Config;
};

let config: Config;
const service = (name: string): Service => {
  const found = config.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const apps = () =>
  Object.entries(config.services).flatMap(([name, s]) =>
    s.build?.args?.['APP'] ? [[name, s.build.args['APP']] as const] : [],
  );

beforeAll(async () => {
  config = await composeConfig(readWorkspaceFile('docker-compose.yml'));
});

describe('docker-compose.yml, as `docker compose config` reads it', () => {
  it('when the file has a misspelt key, then Compose refuses it naming the key', async () => {
    const broken = readWorkspaceFile('docker-compose.yml').replace(
      /^ {4}environment:/m,
      '    enviroment:',
    );

    await expect(composeConfig(broken)).rejects.toThrow(/enviroment/);
  });

  it('when the apps are built, then each comes from the one Dockerfile with its APP and starts after Kafka is healthy', () => {
    const { version } = JSON.parse(readWorkspaceFile('package.json')) as { version: string };

    expect(apps().map(([, app]) => app)).toEqual(
      expect.arrayContaining(['analytics', 'email', 'rides', 'transaction', 'web']),
    );
    for (const [name, app] of apps())
      expect({
        name,
        build: service(name).build,
        image: service(name).image,
        kafka: service(name).depends_on?.['kafka']?.condition,
      }).toEqual({
        name,
        build: { context: workspaceRoot, dockerfile: 'Dockerfile', args: { APP: app } },
        image: `ghcr.io/taxi-kafka/${app}:${version}`,
        kafka: 'service_healthy',
      });
  });

  it('when the apps run, then each container has a memory limit, from which its heap is sized', () => {
    // Without one, the runtime profile would size the heap from the machine's memory (ADR 034).
    for (const [name] of apps())
      expect([name, Number(service(name).mem_limit ?? 0) >= 128 * 2 ** 20]).toEqual([name, true]);
  });

  it('when a port is published, then only on 127.0.0.1, and the documented ones are', () => {
    const published = Object.fromEntries(
      Object.entries(config.services).map(([name, s]) => [
        name,
        (s.ports ?? []).map((port) => Number(port.published)),
      ]),
    );
    const hosts = Object.values(config.services).flatMap((s) =>
      (s.ports ?? []).map((p) => p.host_ip),
    );

    expect(hosts.length).toBeGreaterThan(0);
    expect(new Set(hosts)).toEqual(new Set(['127.0.0.1']));
    expect(published).toEqual({
      kafka: [9092],
      rides: [3000],
      transaction: [],
      email: [],
      analytics: [3003],
      web: [3004],
      mailpit: [8025],
      prometheus: [9090],
      grafana: [3100],
      jaeger: [16686],
    });
    for (const port of Object.values(published).flat())
      expect(readWorkspaceFile('docs/deploy.md')).toContain(`localhost:${port}`);
  });

  it('when Kafka starts, then it is the tested version, health-checked, its data on a named volume', () => {
    const kafka = service('kafka');
    const [data] = kafka.volumes ?? [];

    expect(kafka.image).toBe(
      `apache/kafka:${readWorkspaceFile('tools/dev-env/kafka/VERSION').trim()}`,
    );
    expect(kafka.healthcheck?.test).toBeDefined();
    expect(data).toMatchObject({ type: 'volume', target: kafka.environment?.['KAFKA_LOG_DIRS'] });
    expect(Object.keys(config.volumes ?? {})).toContain(data?.source);
  });

  it('when containers and the host connect to Kafka, then each uses a listener it advertises to them', () => {
    const advertised = (service('kafka').environment?.['KAFKA_ADVERTISED_LISTENERS'] ?? '').split(
      ',',
    );

    for (const [name] of apps())
      expect(advertised).toContain(`PLAINTEXT://${service(name).environment?.['KAFKA_BROKERS']}`);
    expect(advertised).toContain('PLAINTEXT_HOST://localhost:9092');
    expect(service('kafka').ports?.map((p) => `${p.published}:${p.target}`)).toContain('9092:9092');
  });

  it('when Grafana starts, then it mounts the provisioning and the dashboards its provider reads', () => {
    const provider = (
      parse(readWorkspaceFile('deploy/grafana/provisioning/dashboards/taxi-kafka.yml')) as {
        providers: { options: { path: string } }[];
      }
    ).providers[0]?.options.path;
    const grafana = service('grafana');

    expect(grafana.volumes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          source: path.join(workspaceRoot, 'deploy/grafana/provisioning'),
          target: '/etc/grafana/provisioning',
          read_only: true,
        }),
        expect.objectContaining({
          source: path.join(workspaceRoot, 'deploy/grafana/dashboards'),
          target: provider,
          read_only: true,
        }),
      ]),
    );
    expect(grafana.environment?.['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH']).toBe(
      `${provider}/taxi-kafka.json`,
    );
  });

  it('when the trace UI runs, then it is Jaeger 2', () => {
    expect(service('jaeger').image).toMatch(/^jaegertracing\/jaeger:2\.\d+\.\d+$/);
  });
});
