import { connect, type KafkaClient } from '@taxi/kafka';
import { testLogger, uniqueName } from '@taxi/testing';
import type { PortForward } from './port-forward';

/**
 * A client for the test's own reading of the cluster's topics, through a port-forward to the
 * broker pod. The dev overlay's single broker advertises itself as `kafka:9092`, a name only the
 * cluster resolves: every connection the client opens, to whatever address, goes to the forward
 * on 127.0.0.1.
 */
export const clusterKafka = (broker: PortForward): KafkaClient =>
  connect(
    {
      clientId: uniqueName('k8s-test'),
      brokers: [`127.0.0.1:${broker.port}`],
      forwardedPort: broker.port,
    },
    testLogger(),
  );
