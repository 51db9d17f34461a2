import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderOverlay } from './manifest-images';
import { kubectl, kubectlWithInput, NAMESPACE } from './support/kubectl';
import { workspaceRoot } from '@taxi/stack-harness';

// k8s/overlays/prod against the real API server, before the dev overlay runs: a server-side dry
// run (admission, defaulting, every schema, Strimzi's kinds included) of the overlay as it is.
// Strimzi's CRDs come from strimzi/strimzi-crds.sh (test.sh passes their folder); the operator
// itself is not run here, so nothing reconciles them.

const OVERLAY = 'k8s/overlays/prod';

const crdsDir = () => {
  const dir = process.env['TAXI_K8S_STRIMZI_CRDS'];
  if (!dir) throw new Error('TAXI_K8S_STRIMZI_CRDS is not set: run through test.sh');
  return dir;
};

interface Rendered {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
}
const rendered = (): Rendered[] =>
  parseAllDocuments(renderOverlay(OVERLAY, workspaceRoot)).map((d) => d.toJS() as Rendered);

describe('k8s/overlays/prod, dry-run on the real API server with Strimzi CRDs installed', () => {
  beforeAll(async () => {
    for (const file of readdirSync(crdsDir())
      .filter((name) => name.endsWith('.yaml'))
      .sort())
      // Server-side: the Kafka CRD is larger than client-side apply's annotation may be.
      await kubectl('apply', '--server-side', '-f', path.join(crdsDir(), file));
    await kubectl(
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd',
      '-l',
      'app=strimzi',
    );
    // A server-side dry run creates nothing, its namespace included: the namespace must exist.
    await kubectl('create', 'namespace', NAMESPACE);
  });

  it('when the overlay is applied with --dry-run=server, then the API server admits every object', async () => {
    const admitted = await kubectl('apply', '--dry-run=server', '-k', OVERLAY, '-o', 'name');

    const expected = rendered().map((o) => `${o.kind}/${o.metadata.name}`.toLowerCase());
    const names = admitted
      .trim()
      .split('\n')
      .map((line) => line.replace(/^([^./]+)(\.[^/]+)?\//, '$1/').toLowerCase());
    expect(names.sort()).toEqual(expected.sort());
    expect(names).toEqual(
      expect.arrayContaining([
        'kafka/taxi-kafka',
        'kafkanodepool/broker',
        'kafkanodepool/controller',
      ]),
    );
  });

  it('when a KafkaTopic breaks the installed CRD schema, then the API server refuses it, naming the field', async () => {
    const [topic] = rendered().filter((o) => o.kind === 'KafkaTopic');
    const broken = {
      ...topic,
      metadata: { ...topic?.metadata, namespace: NAMESPACE },
      spec: { ...topic?.spec, partitions: 'six' },
    };

    const refusal = await kubectlWithInput(
      JSON.stringify(broken),
      'apply',
      '--dry-run=server',
      '-f',
      '-',
    ).then(
      () => 'admitted',
      (error: Error) => error.message,
    );

    expect(refusal).toMatch(/spec\.partitions/);
  });
});
