import { findObject, readWorkspaceFile, renderKustomization, type K8sObject } from './deploy-files';
import { kubernetesEnvironment } from './deployed-environments';

const overlay = 'k8s/overlays/dev';
type StatefulSet = K8sObject & {
  spec: {
    serviceName: string;
    template: { spec: { containers: { image: string }[]; initContainers?: { image: string }[] } };
  };
};
type ConfigMap = K8sObject & { data: Record<string, string> };
type Service = K8sObject & { spec: { clusterIP?: string; ports: { port: number }[] } };

const serverProperty = (name: string): string | undefined => {
  const config = renderKustomization(overlay).find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('kafka-config'),
  ) as ConfigMap | undefined;
  const line = config?.data['server.properties']
    ?.split('\n')
    .find((entry) => entry.startsWith(`${name}=`));
  return line?.slice(name.length + 1);
};

describe('the Kafka broker of the dev overlay', () => {
  it('when it runs, then it is the Kafka version the project tests against', () => {
    const kafka = findObject<StatefulSet>(renderKustomization(overlay), 'StatefulSet', 'kafka');
    const pod = kafka?.spec.template.spec;

    const images = [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])].map((c) => c.image);

    expect(new Set(images)).toEqual(
      new Set([`apache/kafka:${readWorkspaceFile('tools/dev-env/kafka/VERSION').trim()}`]),
    );
  });

  it.each(['rides', 'transaction', 'email', 'analytics', 'web'] as const)(
    'when %s bootstraps, then KAFKA_BROKERS is the address the broker advertises, served by its Service',
    (service) => {
      const brokers = kubernetesEnvironment(overlay, service).variables['KAFKA_BROKERS']?.value;
      const [host, port] = (brokers ?? '').split(':');
      const kafkaService = findObject<Service>(renderKustomization(overlay), 'Service', host ?? '');

      expect(serverProperty('advertised.listeners')).toBe(`PLAINTEXT://${brokers}`);
      expect(kafkaService?.spec.ports.map((p) => p.port)).toContain(Number(port));
      // Headless: the name resolves to the broker pod, as a client expects of an advertised host.
      expect(kafkaService?.spec.clusterIP).toBe('None');
    },
  );

  it('when replicating internal topics, then a single broker is enough', () => {
    for (const name of [
      'offsets.topic.replication.factor',
      'transaction.state.log.replication.factor',
      'transaction.state.log.min.isr',
    ])
      expect(serverProperty(name)).toBe('1');
    expect(serverProperty('auto.create.topics.enable')).toBe('false');
  });
});
