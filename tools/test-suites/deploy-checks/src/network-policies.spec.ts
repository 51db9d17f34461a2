import { findObject, ofKind, overlays, renderKustomization, type K8sObject } from './deploy-files';
import { kubernetesEnvironment } from './deployed-environments';
import { connectionAllowed, outside, type Endpoint } from './k8s/network-policy';

type Workload = K8sObject & {
  metadata: { namespace: string };
  spec: { template: { metadata: { labels: Record<string, string> } } };
};

const services = ['rides', 'transaction', 'email', 'analytics', 'web'] as const;

describe.each(overlays())('the NetworkPolicies of %s', (overlay) => {
  const objects = () => renderKustomization(overlay);
  const pod = (kind: string, name: string): Endpoint => {
    const workload = findObject<Workload>(objects(), kind, name);
    if (!workload) throw new Error(`no ${kind} ${name} in ${overlay}`);
    return {
      namespace: workload.metadata.namespace,
      labels: workload.spec.template.metadata.labels,
    };
  };
  const namespace = () => pod('Deployment', 'rides').namespace;
  // The brokers: the dev StatefulSet, or the pods Strimzi labels with its cluster and kind.
  const broker = (): Endpoint => {
    const strimzi = ofKind(objects(), 'Kafka')[0];
    return strimzi
      ? {
          namespace: namespace(),
          labels: { 'strimzi.io/cluster': strimzi.metadata.name, 'strimzi.io/kind': 'Kafka' },
        }
      : pod('StatefulSet', 'kafka');
  };
  const dns: Endpoint = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
  const prometheus: Endpoint = {
    namespace: 'monitoring',
    labels: { 'app.kubernetes.io/name': 'prometheus' },
  };
  const stranger = (): Endpoint => ({ namespace: namespace(), labels: { app: 'stranger' } });
  const allowed = (from: Endpoint, to: Endpoint, port: number, protocol?: string) =>
    connectionAllowed(objects(), from, to, port, protocol);
  const variable = (service: (typeof services)[number], name: string) =>
    kubernetesEnvironment(overlay, service).variables[name]?.value;

  it.each(services)(
    'when %s starts, then it may resolve names and reach every broker',
    (service) => {
      const brokerPort = Number(variable(service, 'KAFKA_BROKERS')?.split(':')[1]);

      expect(allowed(pod('Deployment', service), dns, 53, 'UDP')).toBe(true);
      expect(allowed(pod('Deployment', service), broker(), brokerPort)).toBe(true);
    },
  );

  it('when email sends a ride email, then it may reach the mail server of SMTP_URL', () => {
    const smtp = variable('email', 'SMTP_URL');
    // In prod the URL is in a Secret you create: any mail server on a standard SMTP port.
    const [server, port] = smtp
      ? [pod('Deployment', new URL(smtp).hostname), Number(new URL(smtp).port)]
      : [outside, 587];

    expect(allowed(pod('Deployment', 'email'), server, port)).toBe(true);
  });

  it.each([
    ['rides', 3000],
    ['analytics', 3003],
    ['web', 3004],
  ] as const)('when anyone calls the %s API, then port %d is open to them', (service, port) => {
    expect(allowed(outside, pod('Deployment', service), port)).toBe(true);
    expect(allowed(stranger(), pod('Deployment', service), port)).toBe(true);
    expect(allowed(outside, pod('Deployment', service), 9229)).toBe(false);
  });

  it.each([
    ['transaction', 3001],
    ['email', 3002],
  ] as const)('when %s is called, then only Prometheus may scrape port %d', (service, port) => {
    expect(allowed(prometheus, pod('Deployment', service), port)).toBe(true);
    expect(allowed(stranger(), pod('Deployment', service), port)).toBe(false);
    expect(allowed(pod('Deployment', 'rides'), pod('Deployment', service), port)).toBe(false);
  });

  it('when the web page books a ride, then it may reach the rides API of RIDES_URL, and only that', () => {
    const rides = new URL(variable('web', 'RIDES_URL') ?? '');

    expect(
      allowed(pod('Deployment', 'web'), pod('Deployment', rides.hostname), Number(rides.port)),
    ).toBe(true);
    expect(allowed(pod('Deployment', 'web'), pod('Deployment', 'analytics'), 3003)).toBe(false);
    expect(allowed(pod('Deployment', 'rides'), pod('Deployment', 'transaction'), 3001)).toBe(false);
  });

  it.each(services)('when %s tries anything else, then it is denied', (service) => {
    expect(allowed(pod('Deployment', service), outside, 443)).toBe(false);
    expect(allowed(pod('Deployment', service), stranger(), 8080)).toBe(false);
    expect(allowed(pod('Deployment', service), broker(), 9093)).toBe(false);
  });
});
