import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { runtimeProfile, runtimeProfileProblems } from '@taxi/stack-harness';
import { eventually } from '@taxi/testing';
import type { Plan } from './compose-plan';

// docker-compose.yml run for real (tools/test-suites/containers/test.sh builds the images first), checked in
// the order a user would: healthy, a ride in, its email out, counted, traced, scraped, stopped,
// gone. Each step needs the previous one, so a failure early makes the later ones fail too.

const work = process.env['TAXI_CONTAINERS_WORK'] ?? '';
const project = process.env['TAXI_CONTAINERS_PROJECT'] ?? '';
if (!work || !project) throw new Error('run through tools/test-suites/containers/test.sh');
const workspaceRoot = path.resolve(__dirname, '../../../..');
const plan = JSON.parse(readFileSync(path.join(work, 'plan.json'), 'utf8')) as Plan;
const appServices = plan.services.filter((s) => s.kind === 'app').map((s) => s.service);
const thirdParty = plan.services.filter((s) => s.kind === 'stand-in').map((s) => s.service);
/** The service whose stand-in receives the services' traces (jaegertracing/jaeger), if any. */
const traceReceiver = plan.services.find((s) => s.kind === 'stand-in' && s.standIn === 'jaeger');

/** Services whose image needs a writable root filesystem, and why (all others must be read-only). */
const writableRoot: Record<string, string> = {
  kafka: "apache/kafka's start script writes server.properties into /opt/kafka/config",
};

/** An app's config schema: `<app>Env` exported by apps/<app>/src/config.ts (the convention). */
const configSchema = (app: string): { shape: Record<string, unknown> } => {
  const name = `${app.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase())}Env`;
  const schema = (
    require(path.join(workspaceRoot, 'apps', app, 'src/config')) as Record<string, unknown>
  )[name];
  if (!schema) throw new Error(`apps/${app}/src/config.ts exports no ${name}`);
  return schema as { shape: Record<string, unknown> };
};

/** One OTLP/JSON export request, as much of it as the trace check reads. */
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: { traceId: string }[] }[];
  }[];
}

const exec = promisify(execFile);
const run = async (command: string, args: string[]) =>
  (await exec(command, args, { cwd: workspaceRoot, maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
const compose = (...args: string[]) =>
  run('docker', [
    'compose',
    ...['--project-name', project, '-f', 'docker-compose.yml', '-f', `${work}/override.yaml`],
    ...args,
  ]);

interface Container {
  Name: string;
  Image: string;
  Config: { User: string; Labels: Record<string, string>; Env: string[] };
  State: { Status: string; ExitCode: number; Health?: { Status: string } };
  HostConfig: { CapAdd: string[] | null; ReadonlyRootfs: boolean; Memory: number };
}
const containers = async (): Promise<Container[]> => {
  const ids = (await compose('ps', '--all', '--quiet')).split('\n').filter(Boolean);
  return ids.length === 0
    ? []
    : (JSON.parse(await run('docker', ['inspect', ...ids])) as Container[]);
};
const serviceOf = (c: Container) => c.Config.Labels['com.docker.compose.service'] ?? c.Name;
const byService = <T>(list: Container[], pick: (c: Container) => T): Record<string, T> =>
  Object.fromEntries(
    list.map((c): [string, T] => [serviceOf(c), pick(c)]).sort(([a], [b]) => a.localeCompare(b)),
  );

/** The host address of a service's published port, e.g. http://127.0.0.1:3000. */
const published = async (service: string, port: number) =>
  `http://${await compose('port', service, String(port))}`;
const getJson = async <T>(url: string): Promise<T> => (await fetch(url)).json() as Promise<T>;

const figures: string[] = [];
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;
let upStarted = 0;
const customerEmail = `containers-${Date.now()}@example.com`;
let rideId = '';
let confirmedBefore = 0;

beforeAll(async () => {
  upStarted = Date.now();
  await compose('up', '--detach', '--no-build', '--pull', 'never', ...plan.run);
});

afterAll(() => {
  writeFileSync(path.join(work, 'figures.txt'), figures.map((f) => `  ${f}\n`).join(''));
});

describe('docker compose up of docker-compose.yml (images built here, third-party ones stand-ins)', () => {
  it('when the stack starts, then every service becomes healthy (running, for a third-party image with no healthcheck)', async () => {
    // Our apps must have a healthcheck (the Dockerfile's); a third-party service that declares
    // none (jaeger) can only be seen running.
    const expected = (c: Container) =>
      c.State.Health || appServices.includes(serviceOf(c)) ? 'healthy' : 'running';
    const state = (c: Container) => ({
      state: c.State.Health?.Status ?? c.State.Status,
      expected: expected(c),
    });

    const states = await eventually(
      async () => byService(await containers(), state),
      (s) =>
        Object.keys(s).length === plan.run.length &&
        Object.values(s).every(({ state, expected }) => state === expected),
      { timeoutMs: 240_000, everyMs: 1000 },
    );

    const running = Object.keys(states).filter((s) => states[s]?.expected === 'running');
    figures.push(
      `time to healthy (compose up → all ${plan.run.length} healthy or running): ${seconds(upStarted)}` +
        (running.length > 0 ? ` (no healthcheck, so only running: ${running.join(', ')})` : ''),
    );
    expect(Object.keys(states)).toEqual([...plan.run].sort());
  });

  it('when every container is inspected, then it runs non-root, adds no capability, and its root filesystem is read-only unless the image needs it writable', async () => {
    const list = await containers();

    const users = byService(list, (c) => c.Config.User);
    const added = byService(list, (c) => c.HostConfig.CapAdd ?? []);
    const readOnly = byService(list, (c) => c.HostConfig.ReadonlyRootfs);

    for (const [service, user] of Object.entries(users))
      expect({ service, user }).toEqual({
        service,
        user: expect.not.stringMatching(/^(|0|root)(:.*)?$/),
      });
    expect(Object.values(added).flat()).toEqual([]);
    for (const [service, isReadOnly] of Object.entries(readOnly))
      expect({ service, readOnly: isReadOnly }).toEqual({
        service,
        readOnly: !(service in writableRoot),
      });
  });

  it('when an app runs, then PID 1 is node with the runtime profile in its environment and on its command line, and its heap is half its container memory limit', async () => {
    const readProc = (service: string, file: string) =>
      compose(
        ...['exec', '-T', service, 'node', '-e'],
        `process.stdout.write(require('fs').readFileSync('/proc/1/${file}', 'utf8'))`,
      );
    const list = await containers();

    for (const service of appServices) {
      const container = list.find((c) => serviceOf(c) === service);
      const problems = runtimeProfileProblems({
        cmdline: await readProc(service, 'cmdline'),
        environ: await readProc(service, 'environ'),
        logs: await compose('logs', '--no-log-prefix', '--no-color', service),
        memoryLimitMb: (container?.HostConfig.Memory ?? 0) / 2 ** 20,
      });

      expect({ service, problems }).toEqual({ service, problems: [] });
    }
  });

  it("when an app's environment is inspected, then compose sets only variables its config schema or the runtime profile reads", async () => {
    const profile = Object.keys(runtimeProfile());
    const list = await containers();
    const names = (env: string[]) => env.map((entry) => entry.split('=')[0] ?? '');

    for (const service of appServices) {
      const container = list.find((c) => serviceOf(c) === service);
      const app = plan.services.find((s) => s.service === service && s.kind === 'app');
      if (!container || app?.kind !== 'app') throw new Error(`no container of ${service}`);
      const [image] = JSON.parse(await run('docker', ['image', 'inspect', container.Image])) as {
        Config: { Env: string[] };
      }[];
      const fromImage = new Set(names(image?.Config.Env ?? []));
      const read = new Set([...Object.keys(configSchema(app.app).shape), ...profile]);

      const unread = names(container.Config.Env).filter(
        (name) => !fromImage.has(name) && !read.has(name),
      );

      expect({ service, unread }).toEqual({ service, unread: [] });
    }
  });

  it('when Kafka runs, then it is the version the local broker and the tests use', async () => {
    const version = readFileSync(
      path.join(workspaceRoot, 'tools/dev-env/kafka/VERSION'),
      'utf8',
    ).trim();
    const kafka = plan.services.find((s) => s.kind === 'stand-in' && s.standIn === 'kafka');

    const logs = await compose('logs', '--no-log-prefix', '--no-color', kafka?.service ?? 'kafka');

    expect(logs).toContain(`Kafka version: ${version}`);
  });

  it('when a ride is posted through the published port, then it is accepted', async () => {
    const stats = await published('analytics', 3003);
    confirmedBefore = (await getJson<{ confirmed: number }>(`${stats}/stats`)).confirmed;

    const response = await fetch(`${await published('rides', 3000)}/rides`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        customerId: 'cust-containers',
        customerEmail,
        pickup: { lat: 40.7359, lng: -73.9911 },
        dropoff: { lat: 40.6782, lng: -73.9442 },
        passengers: 1,
        paymentToken: 'tok_visa',
      }),
    });
    const body = (await response.json()) as { rideId?: string };

    expect(response.status).toBe(202);
    rideId = body.rideId ?? '';
    expect(rideId).not.toBe('');
  });

  it('when the ride is decided, then its email arrives in the mail catcher', async () => {
    const mailpit = await published('mailpit', 8025);
    type Messages = { messages: { To: { Address: string }[]; Subject: string }[] };

    const { messages } = await eventually(
      () => getJson<Messages>(`${mailpit}/api/v1/messages`),
      (m) => m.messages.some((message) => message.To.some((to) => to.Address === customerEmail)),
      { timeoutMs: 60_000, everyMs: 500 },
    );

    const ours = messages.filter((m) => m.To.some((to) => to.Address === customerEmail));
    expect(ours).toHaveLength(1);
  });

  it('when the ride is decided, then /stats counts it', async () => {
    const stats = await published('analytics', 3003);

    const { confirmed } = await eventually(
      () => getJson<{ confirmed: number }>(`${stats}/stats`),
      (s) => s.confirmed > confirmedBefore,
      { timeoutMs: 60_000, everyMs: 500 },
    );

    expect(confirmed).toBe(confirmedBefore + 1);
  });

  it('when the ride is decided, then its trace from rides to email reaches the Jaeger stand-in', async () => {
    expect(traceReceiver).toBeDefined();
    // The stand-in writes each OTLP export request as one JSON line on stdout (stand-ins/jaeger).
    const servicesByTrace = async () => {
      const logs = await compose(
        'logs',
        '--no-log-prefix',
        '--no-color',
        traceReceiver?.service ?? '',
      );
      const byTrace = new Map<string, Set<string>>();
      for (const line of logs.split('\n').filter((l) => l.startsWith('{'))) {
        const { resourceSpans = [] } = JSON.parse(line) as OtlpExport;
        for (const { resource, scopeSpans = [] } of resourceSpans) {
          const name = resource?.attributes?.find((a) => a.key === 'service.name')?.value
            .stringValue;
          for (const { spans = [] } of scopeSpans)
            for (const { traceId } of spans)
              byTrace.set(traceId, (byTrace.get(traceId) ?? new Set()).add(name ?? '?'));
        }
      }
      return [...byTrace.values()].map((services) => [...services].sort());
    };
    const rideServices = ['email', 'rides', 'transaction'];
    const throughAll = (services: string[]) => rideServices.every((s) => services.includes(s));

    const traces = await eventually(servicesByTrace, (t) => t.some(throughAll), {
      timeoutMs: 60_000,
      everyMs: 1000,
    });

    expect(traces.find(throughAll)).toEqual(expect.arrayContaining(rideServices));
  });

  it('when Prometheus scrapes, then every app service is up', async () => {
    const prometheus = await published('prometheus', 9090);
    type Up = { data: { result: { metric: { instance: string }; value: [number, string] }[] } };
    const upByService = (up: Up) =>
      Object.fromEntries(
        up.data.result.map((r) => [r.metric.instance.split(':')[0], r.value[1]] as const),
      );

    const up = await eventually(
      async () => upByService(await getJson<Up>(`${prometheus}/api/v1/query?query=up`)),
      (u) => appServices.every((service) => u[service] === '1'),
      { timeoutMs: 60_000, everyMs: 1000 },
    );

    expect(Object.fromEntries(appServices.map((s) => [s, up[s]]))).toEqual(
      Object.fromEntries(appServices.map((s) => [s, '1'])),
    );
  });

  it('when the stack is stopped, then every service exits cleanly within its grace period', async () => {
    const stopStarted = Date.now();

    await compose('stop');

    figures.push(`docker compose stop: ${seconds(stopStarted)}`);
    const exitCodes = byService(await containers(), (c) => c.State.ExitCode);
    // Ours exit 0 on SIGTERM (graceful shutdown). A JVM ends with 143 (128 + SIGTERM) after
    // running its shutdown hooks, as apache/kafka does; 137 would mean killed after the grace period.
    const clean = (service: string) => (thirdParty.includes(service) ? [0, 143] : [0]);
    for (const [service, code] of Object.entries(exitCodes))
      expect({ service, code, clean: clean(service).includes(code) }).toEqual({
        service,
        code,
        clean: true,
      });
  });

  it('when the stack is taken down with its volumes, then nothing of it is left', async () => {
    await compose('down', '--volumes');

    const label = `label=com.docker.compose.project=${project}`;
    const left = {
      containers: await run('docker', ['ps', '--all', '--quiet', '--filter', label]),
      networks: await run('docker', ['network', 'ls', '--quiet', '--filter', label]),
      volumes: await run('docker', ['volume', 'ls', '--quiet', '--filter', label]),
    };

    expect(left).toEqual({ containers: '', networks: '', volumes: '' });
  });
});
