import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import {
  getJson as getHttpJson,
  launchBrowser,
  postRide,
  rideRequest,
  runtimeProfileProblems,
  screenshotPath,
  workspaceRoot,
} from '@taxi/stack-harness';
import { eventually } from '@taxi/testing';
import { mailpitEmails } from './support/mailpit';
import {
  getJson,
  isReady,
  kubectl,
  NAMESPACE,
  recordFigure,
  type Container,
  type Pod,
} from './support/kubectl';
import { PortForward } from './support/port-forward';
import { cpuQuotaMicros, memoryBytes } from './support/quantities';

// k8s/overlays/dev as it is, applied to the suite's own cluster (test.sh starts it and loads the
// images under the names the manifests use), then checked as a user would: it runs, as hardened
// as the manifests say, and a ride goes through it to Mailpit, /stats and the web page.

const OVERLAY = 'k8s/overlays/dev';
const READY_TIMEOUT = '5m';

interface Workload {
  kind: string;
  metadata: { name: string };
  spec: { replicas?: number };
  status: { readyReplicas?: number; availableReplicas?: number };
}

const exec = (pod: string, container: string, script: string) =>
  kubectl('-n', NAMESPACE, 'exec', pod, '-c', container, '--', 'sh', '-c', script);

// What a container's own view shows: its uid, whether / takes a write, and its cgroup's limits
// (cgroup v1 or v2, as the node has it).
const INSIDE = [
  'id -u',
  'touch /.written-by-k8s-test 2>&1 || true',
  'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/memory.max',
  'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/cpu.max',
].join('; echo "|"; ');

describe('k8s/overlays/dev, applied unchanged to a real cluster', () => {
  let rides: PortForward;
  let analytics: PortForward;
  let mailpit: PortForward;
  let web: PortForward;
  let pods: Pod[];

  beforeAll(async () => {
    const started = Date.now();
    await kubectl('apply', '-k', OVERLAY);
    await kubectl(
      '-n',
      NAMESPACE,
      'rollout',
      'status',
      'statefulset/kafka',
      `--timeout=${READY_TIMEOUT}`,
    );
    await kubectl(
      '-n',
      NAMESPACE,
      'wait',
      'deployment',
      '--all',
      '--for=condition=Available',
      `--timeout=${READY_TIMEOUT}`,
    );
    recordFigure(
      `dev overlay: kubectl apply → every workload Available: ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );
    pods = (await getJson<{ items: Pod[] }>('get', 'pods')).items;
    [rides, analytics, mailpit, web] = await Promise.all([
      PortForward.open('service/rides', 3000),
      PortForward.open('service/analytics', 3003),
      PortForward.open('service/mailpit', 8025),
      PortForward.open('service/web', 3004),
    ]);
  });

  afterAll(async () => {
    await Promise.all([rides, analytics, mailpit, web].map((forward) => forward?.close()));
  });

  it('when the overlay is applied, then every Deployment and StatefulSet is available and every pod ready', async () => {
    const workloads = (await getJson<{ items: Workload[] }>('get', 'deployments,statefulsets'))
      .items;
    const state = (w: Workload) => ({
      workload: `${w.kind}/${w.metadata.name}`,
      ready: w.status.readyReplicas ?? 0,
      available: w.status.availableReplicas ?? 0,
    });
    const expected = (w: Workload) => ({
      workload: `${w.kind}/${w.metadata.name}`,
      ready: w.spec.replicas ?? 1,
      available: w.spec.replicas ?? 1,
    });

    expect(workloads.map((w) => w.metadata.name).sort()).toEqual([
      'analytics',
      'email',
      'kafka',
      'mailpit',
      'rides',
      'transaction',
      'web',
    ]);
    expect(workloads.map(state)).toEqual(workloads.map(expected));
    expect(pods.filter((pod) => !isReady(pod)).map((pod) => pod.metadata.name)).toEqual([]);
    const restarts = pods.map(
      (pod) => `${pod.metadata.name} ${pod.status.containerStatuses?.[0]?.restartCount ?? 0}`,
    );
    recordFigure(`container restarts while the overlay came up: ${restarts.join(', ')}`);
  });

  it('when each running container is looked at from inside, then it is not root, its root filesystem refuses writes, and its cgroup holds its manifest limits', async () => {
    const seen: Record<string, unknown>[] = [];
    const wanted: Record<string, unknown>[] = [];
    for (const pod of pods)
      for (const container of pod.spec.containers as Container[]) {
        const [uid, write, memory, cpu] = (await exec(pod.metadata.name, container.name, INSIDE))
          .split('|')
          .map((part) => part.trim());
        const limits = container.resources?.limits ?? {};
        const name = `${pod.metadata.name}/${container.name}`;
        seen.push({ name, root: uid === '0', write, memory: Number(memory), cpu: Number(cpu) });
        wanted.push({
          name,
          root: false,
          write: expect.stringContaining('Read-only file system'),
          memory: memoryBytes(limits['memory'] ?? 'none'),
          cpu: cpuQuotaMicros(limits['cpu'] ?? 'none'),
        });
      }

    expect(seen).toEqual(wanted);
    expect(seen.length).toBe(pods.length);
  });

  it("when an app's pod runs, then PID 1 is node with the runtime profile in its environment and on its command line, and its heap is half its pod's memory limit", async () => {
    // The image's entrypoint applies the profile (ADR 034); nothing in k8s/ repeats it.
    const apps = readdirSync(path.join(workspaceRoot, 'k8s/base'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const appContainers = pods.flatMap((pod) =>
      (pod.spec.containers as Container[])
        .filter((container) => apps.includes(container.name))
        .map((container) => ({ pod: pod.metadata.name, container })),
    );
    const readProc = (pod: string, container: string, file: string) =>
      kubectl(
        ...['-n', NAMESPACE, 'exec', pod, '-c', container, '--', 'node', '-e'],
        `process.stdout.write(require('fs').readFileSync('/proc/1/${file}', 'utf8'))`,
      );

    for (const { pod, container } of appContainers) {
      const problems = runtimeProfileProblems({
        cmdline: await readProc(pod, container.name, 'cmdline'),
        environ: await readProc(pod, container.name, 'environ'),
        logs: await kubectl('-n', NAMESPACE, 'logs', pod, '-c', container.name),
        memoryLimitMb: memoryBytes(container.resources?.limits?.['memory'] ?? 'none') / 2 ** 20,
      });

      expect({ pod, problems }).toEqual({ pod, problems: [] });
    }
    expect([...new Set(appContainers.map((c) => c.container.name))].sort()).toEqual(apps.sort());
  });

  it('when a ride is POSTed through a port-forward to the rides Service, then it is confirmed, its email reaches Mailpit and /stats counts it', async () => {
    const before = (await getHttpJson<{ confirmed: number }>(`${analytics.url}/stats`)).body
      .confirmed;
    const customerEmail = `k8s-dev-${Date.now()}@example.com`;

    const posted = await postRide(rides.url, rideRequest({ customerEmail }));
    const rideId = String(posted.body['rideId']);
    const ride = await eventually(
      () => getHttpJson<{ status: string }>(`${rides.url}/rides/${rideId}`),
      (r) => r.body.status !== 'requested',
      { timeoutMs: 60_000, everyMs: 250 },
    );
    const emails = await eventually(
      () => mailpitEmails(mailpit.url),
      (list) => list.some((email) => email.rideId === rideId),
      { timeoutMs: 60_000, everyMs: 500 },
    );
    const stats = await eventually(
      () => getHttpJson<{ confirmed: number }>(`${analytics.url}/stats`),
      (s) => s.body.confirmed > before,
      { timeoutMs: 60_000, everyMs: 250 },
    );

    expect(posted.status).toBe(202);
    expect(ride.body.status).toBe('confirmed');
    expect(emails.filter((email) => email.rideId === rideId).map((email) => email.kind)).toEqual([
      'confirmation',
    ]);
    expect(stats.body.confirmed).toBe(before + 1);
  });

  describe('the web page, in a browser, through a port-forward to its Service', () => {
    let browser: Browser;

    beforeAll(async () => {
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
    });

    it('when a ride is booked on the page, then it shows the confirmation, and then its email', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${web.url}/#book`);
      await page.waitForSelector('body[data-ready="true"]');
      const box = await page.locator('#book-map svg').boundingBox();
      if (!box) throw new Error('the map is not drawn');

      await page.mouse.click(box.x + box.width * 0.45, box.y + box.height * 0.45);
      await page.mouse.click(box.x + box.width * 0.6, box.y + box.height * 0.62);
      await page.selectOption('#payment-token', 'tok_visa');
      await page.click('#submit');
      const step = (status: string) =>
        page.locator(`#ride-steps [data-status="${status}"]`).textContent({ timeout: 60_000 });

      expect(await step('confirmed')).toMatch(/^Confirmed: .+, fare \$\d+\.\d{2}$/);
      expect(await step('emailed')).toMatch(/^Email sent: confirmation/);
      await page.screenshot({ path: screenshotPath('k8s-book-confirmed'), fullPage: true });
    });
  });
});
