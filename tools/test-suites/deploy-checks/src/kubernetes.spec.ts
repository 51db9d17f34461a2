import {
  ofKind,
  overlays,
  readWorkspaceFile,
  renderKustomization,
  type K8sObject,
} from './deploy-files';
import { topics } from '@taxi/events';
import { workloadProblems } from './k8s/container-rules';
import { schemaProblems, unknownFieldProblems } from './k8s/validate';

const isStrimzi = (object: K8sObject) => object.apiVersion.startsWith('kafka.strimzi.io/');
const kubernetesObjects = (dir: string) => renderKustomization(dir).filter((o) => !isStrimzi(o));

// A valid Deployment to break on purpose: proves the checks reject what they must.
const deployment = (containerFields: Record<string, unknown> = {}, spec = {}): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'broken' },
  spec: {
    selector: { matchLabels: { app: 'broken' } },
    template: {
      metadata: { labels: { app: 'broken' } },
      spec: { containers: [{ name: 'broken', image: 'example/broken:1', ...containerFields }] },
    },
    ...spec,
  },
});

describe.each(overlays())('the %s overlay', (overlay) => {
  it('when rendered with kubectl kustomize, then it yields the four services and the web page', () => {
    const objects = renderKustomization(overlay);

    const deployments = ofKind(objects, 'Deployment').map((d) => d.metadata.name);
    expect(deployments).toEqual(
      expect.arrayContaining(['rides', 'transaction', 'email', 'analytics', 'web']),
    );
  });

  it('when validated against the Kubernetes schemas, then no object has a problem', () => {
    const objects = kubernetesObjects(overlay);

    expect(schemaProblems(objects)).toEqual([]);
  });

  it('when type-checked as Kubernetes objects, then no object has an unknown field', () => {
    const objects = kubernetesObjects(overlay);

    expect(unknownFieldProblems(objects)).toEqual([]);
  });

  it('when its workloads are inspected, then every container is pinned, probed, limited and locked down', () => {
    const objects = renderKustomization(overlay);

    expect(objects.flatMap(workloadProblems)).toEqual([]);
  });

  it('when it is rendered, then it holds only kinds these checks know how to judge', () => {
    const known = [
      ...['Namespace', 'ConfigMap', 'Secret', 'Service', 'Deployment', 'StatefulSet'],
      ...['HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy'],
      ...['Kafka', 'KafkaNodePool', 'KafkaTopic', 'KafkaUser'],
    ];

    const kinds = new Set(renderKustomization(overlay).map((object) => object.kind));

    expect([...kinds].filter((kind) => !known.includes(kind))).toEqual([]);
  });

  it('when a consumer group service scales, then it has no more replicas than partitions', () => {
    const consumed = {
      transaction: [topics.rideRequested],
      email: [topics.rideConfirmed, topics.rideRejected],
      analytics: [topics.rideConfirmed, topics.rideRejected],
    };
    const objects = renderKustomization(overlay);
    const hpaMax = (name: string) =>
      ofKind<K8sObject & { spec: { scaleTargetRef: { name: string }; maxReplicas: number } }>(
        objects,
        'HorizontalPodAutoscaler',
      ).find((hpa) => hpa.spec.scaleTargetRef.name === name)?.spec.maxReplicas;

    const tooMany = Object.entries(consumed).flatMap(([name, contracts]) => {
      const partitions = Math.min(...contracts.map((contract) => contract.partitions));
      const deployment = ofKind<K8sObject & { spec: { replicas?: number } }>(
        objects,
        'Deployment',
      ).find((d) => d.metadata.name === name);
      const replicas = Math.max(deployment?.spec.replicas ?? 1, hpaMax(name) ?? 0);
      return replicas > partitions
        ? [`${name}: ${replicas} replicas, ${partitions} partitions`]
        : [];
    });

    expect(tooMany).toEqual([]);
  });

  it('when the app images are listed, then each is ghcr.io/taxi-kafka/<app> at the package version', () => {
    const { version } = JSON.parse(readWorkspaceFile('package.json')) as { version: string };
    const images = ofKind<
      K8sObject & { spec: { template: { spec: { containers: { image: string }[] } } } }
    >(renderKustomization(overlay), 'Deployment')
      .filter((d) =>
        ['rides', 'transaction', 'email', 'analytics', 'web'].includes(d.metadata.name),
      )
      .map((d) => d.spec.template.spec.containers[0]?.image)
      .sort();

    expect(images).toEqual(
      ['analytics', 'email', 'rides', 'transaction', 'web'].map(
        (app) => `ghcr.io/taxi-kafka/${app}:${version}`,
      ),
    );
  });
});

describe('the Kubernetes checks themselves', () => {
  it('when an object has a wrongly typed field, then the schema check names it', () => {
    const broken = deployment({}, { replicas: 'two' });

    expect(schemaProblems([broken])).toEqual(['Deployment broken: /spec/replicas must be integer']);
  });

  it('when an object has an unknown field, then the unknown-field check names it', () => {
    const typo = deployment({}, { replica: 2 });
    const nestedTypo = deployment({ imagePullPolicy: 'Always', imagee: 'x' });

    expect(schemaProblems([typo, nestedTypo])).toEqual([]); // the runtime schemas let these pass
    expect(unknownFieldProblems([typo])).toEqual([
      expect.stringMatching(/Deployment broken: .*'"replica"' does not exist in type/),
    ]);
    expect(unknownFieldProblems([nestedTypo])).toEqual([
      expect.stringMatching(/Deployment broken: .*'"imagee"' does not exist in type 'IContainer'/),
    ]);
  });

  it('when a kind is not a Kubernetes kind, then the schema check says so', () => {
    const unknown: K8sObject = {
      apiVersion: 'apps/v1',
      kind: 'Deploymnet',
      metadata: { name: 'x' },
    };

    expect(schemaProblems([unknown])).toEqual([
      'Deploymnet x: apps/v1 Deploymnet is not a Kubernetes kind',
    ]);
  });

  it('when a container has no image, probes, limits or locked-down context, then the rules list each', () => {
    const bare = deployment({ image: undefined });

    expect(workloadProblems(bare)).toEqual([
      'Deployment broken: enableServiceLinks is not false',
      'Deployment broken: mounts a service account token it does not use',
      'Deployment broken broken: no image',
      'Deployment broken broken: no readinessProbe',
      'Deployment broken broken: no livenessProbe',
      'Deployment broken broken: no cpu request',
      'Deployment broken broken: no memory request',
      'Deployment broken broken: no cpu limit',
      'Deployment broken broken: no memory limit',
      'Deployment broken broken: runAsNonRoot is not true',
      'Deployment broken broken: readOnlyRootFilesystem is not true',
      'Deployment broken broken: allowPrivilegeEscalation is not false',
      'Deployment broken broken: capabilities do not drop ALL',
      'Deployment broken broken: no RuntimeDefault seccomp profile',
    ]);
  });
});
