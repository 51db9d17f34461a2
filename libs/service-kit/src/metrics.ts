import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** A registry per service with the default process metrics, labelled with the service name. */
export const createMetricsRegistry = (service: string): Registry => {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
};

/**
 * `taxi_consumer_lag`: messages between what a consumer group has consumed and the end of each
 * partition, updated after every batch. Pass the result as a consumer's `onLag`.
 */
export const consumerLagMetric = (registry: Registry, group: string) => {
  const gauge =
    (registry.getSingleMetric('taxi_consumer_lag') as
      Gauge<'group' | 'topic' | 'partition'> | undefined) ??
    new Gauge({
      name: 'taxi_consumer_lag',
      help: 'Messages not yet consumed, per consumer group and partition (after the last batch)',
      labelNames: ['group', 'topic', 'partition'] as const,
      registers: [registry],
    });
  return (lag: { topic: string; partition: number; messages: number }) =>
    gauge.set(
      { group, topic: lag.topic, partition: String(lag.partition) },
      Math.max(0, lag.messages),
    );
};
