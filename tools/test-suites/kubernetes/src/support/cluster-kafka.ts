import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { uniqueName } from '@taxi/testing';
import type { PortForward } from './port-forward';

/**
 * A kafkajs client for the test's own reading of the cluster's topics, through a port-forward to
 * the broker pod. The dev overlay's single broker advertises itself as `kafka:9092`, a name only
 * the cluster resolves: every connection the client opens, to whatever address, goes to the
 * forward on 127.0.0.1.
 */
export const clusterKafka = (broker: PortForward): Kafka =>
  new Kafka({
    clientId: uniqueName('k8s-test'),
    brokers: [`127.0.0.1:${broker.port}`],
    socketFactory: ({ onConnect }) => {
      const socket = connect({ host: '127.0.0.1', port: broker.port }, onConnect);
      socket.setKeepAlive(true, 60_000);
      return socket;
    },
    logLevel: process.env['TEST_LOG_LEVEL'] ? logLevel.INFO : logLevel.NOTHING,
  });
