import { imagesOf } from './manifest-images';

const manifests = `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: kafka }
spec:
  template:
    spec:
      initContainers: [{ name: format, image: apache/kafka:4.3.1 }]
      containers: [{ name: kafka, image: apache/kafka:4.3.1 }]
---
apiVersion: v1
kind: Pod
metadata: { name: probe }
spec:
  containers:
    - { name: a, image: ghcr.io/taxi-kafka/rides:0.1.0 }
    - { name: b, image: axllent/mailpit:v1.28.2 }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { image: not-an-image }
`;

describe('imagesOf', () => {
  it('when manifests hold workloads, pods and other objects, then every container and init container image is listed once, sorted', () => {
    expect(imagesOf(manifests)).toEqual([
      'apache/kafka:4.3.1',
      'axllent/mailpit:v1.28.2',
      'ghcr.io/taxi-kafka/rides:0.1.0',
    ]);
  });

  it('when the YAML is broken, then it fails with the parser error', () => {
    expect(() => imagesOf('a: [1,\n')).toThrow(/flow sequence|Missing|Unexpected/i);
  });
});
