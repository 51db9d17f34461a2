import { readdirSync } from 'node:fs';
import path from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { consumerLagMetric } from '@taxi/service-kit';
import { readWorkspaceFile, workspaceRoot } from './deploy-files';

/**
 * The names of every series the services export: their own metrics (apps/<app>/src/metrics.ts),
 * the shared ones from libs/service-kit (consumer lag), prom-client's default process metrics,
 * and `up`, which Prometheus adds per target.
 */

const seriesOf = (name: string, type: string): string[] =>
  type === 'histogram' || type === 'summary'
    ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]
    : [name];

const appMetrics = (): string[] =>
  readdirSync(path.join(workspaceRoot, 'apps'))
    .map((app) => `apps/${app}/src/metrics.ts`)
    .filter((file) => {
      try {
        readWorkspaceFile(file);
        return true;
      } catch {
        return false;
      }
    })
    .flatMap((file) =>
      [
        ...readWorkspaceFile(file).matchAll(
          /new (Counter|Gauge|Histogram|Summary)\(\{\s*name: '(\w+)'/g,
        ),
      ].flatMap(([, type = '', name = '']) => seriesOf(name, type.toLowerCase())),
    );

const sharedMetrics = async (): Promise<string[]> => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  consumerLagMetric(registry, 'any-group');
  const metrics = await registry.getMetricsAsJSON();
  return metrics.flatMap((metric) => seriesOf(metric.name, String(metric.type)));
};

export const exportedSeries = async (): Promise<Set<string>> =>
  new Set([...appMetrics(), ...(await sharedMetrics()), 'up']);

const keywords = new Set([
  ...['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset'],
  ...['and', 'or', 'unless', 'inf', 'nan'],
]);

/** The metric names a PromQL expression selects (functions, labels and keywords left out). */
export const promqlMetricNames = (expression: string): string[] => {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges, e.g. [5m] or [$__rate_interval]
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // label lists
    .replace(/\$\w+/g, ''); // Grafana variables
  return [...stripped.matchAll(/[A-Za-z_:][\w:]*\b(?!\s*\()/g)]
    .map(([name]) => name)
    .filter((name) => !keywords.has(name.toLowerCase()))
    .filter((name, index, all) => all.indexOf(name) === index);
};
