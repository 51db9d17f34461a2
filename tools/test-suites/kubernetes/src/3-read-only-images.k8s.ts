import { kubectl, kubectlWithInput, NAMESPACE } from './support/kubectl';

// Each service image as `docker run --read-only` runs it: a read-only root filesystem, no volume
// mounted (not even /tmp, no service account token), the image's own user and defaults. Only what
// finds the cluster's broker is set, and what keeps these pods apart from the deployed pipeline
// on the same broker (topic prefix, groups, transactional ids). Each must start and become ready,
// its state written where its defaults say: the image's /var/lib/taxi/<app>, a declared VOLUME.

const APPS = {
  rides: { port: 3000, env: { READ_MODEL_GROUP_PREFIX: 'readonly-rides' } },
  transaction: {
    port: 3001,
    env: {
      KAFKA_GROUP_ID: 'readonly-transaction',
      TRANSACTIONAL_ID_PREFIX: 'readonly-transaction',
    },
  },
  // No SMTP_URL: the default writes .eml files to OUTBOX_DIR, a default under the image's volume.
  email: { port: 3002, env: { KAFKA_GROUP_ID: 'readonly-email' } },
  analytics: {
    port: 3003,
    env: { KAFKA_GROUP_ID: 'readonly-analytics', TRANSACTIONAL_ID_PREFIX: 'readonly-analytics' },
  },
  web: { port: 3004, env: {} },
} as const;

/** What each image writes with its defaults, checked inside the running container. */
const WRITTEN = { rides: '/var/lib/taxi/rides/rides.sqlite' } as const;

const podFor = (app: keyof typeof APPS) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `readonly-${app}`, labels: { 'taxi-kafka.test/read-only': 'true' } },
  spec: {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    restartPolicy: 'Never',
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: app,
        image: `ghcr.io/taxi-kafka/${app}:0.1.0`,
        env: Object.entries({
          KAFKA_BROKERS: 'kafka:9092',
          KAFKA_TOPIC_PREFIX: 'readonly.',
          KAFKA_CLIENT_ID: `readonly-${app}`,
          ...APPS[app].env,
        }).map(([name, value]) => ({ name, value })),
        readinessProbe: { httpGet: { path: '/readyz', port: APPS[app].port }, periodSeconds: 2 },
        securityContext: {
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        },
      },
    ],
  },
});

describe('the service images, run with a read-only root, no volume and their defaults', () => {
  const apps = Object.keys(APPS) as (keyof typeof APPS)[];

  beforeAll(async () => {
    const list = { apiVersion: 'v1', kind: 'List', items: apps.map(podFor) };
    await kubectlWithInput(JSON.stringify(list), '-n', NAMESPACE, 'create', '-f', '-');
  });

  afterAll(async () => {
    await kubectl(
      '-n',
      NAMESPACE,
      'delete',
      'pods',
      '-l',
      'taxi-kafka.test/read-only=true',
      '--wait=true',
    );
  });

  it('when each starts, then it becomes ready, and rides keeps its store in its image volume', async () => {
    const ready = await kubectl(
      '-n',
      NAMESPACE,
      'wait',
      'pods',
      '-l',
      'taxi-kafka.test/read-only=true',
      '--for=condition=Ready',
      '--timeout=3m',
      '-o',
      'name',
    );
    const written = await kubectl(
      '-n',
      NAMESPACE,
      'exec',
      'readonly-rides',
      '--',
      'sh',
      '-c',
      `test -s ${WRITTEN.rides} && echo present`,
    );

    expect(ready.trim().split('\n').sort()).toEqual(
      apps.map((app) => `pod/readonly-${app}`).sort(),
    );
    expect(written.trim()).toBe('present');
  });
});
