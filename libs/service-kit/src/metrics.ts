import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry per service with the default process metrics, labelled with the service name. */
export const createMetricsRegistry = (service: string): Registry => {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
};
