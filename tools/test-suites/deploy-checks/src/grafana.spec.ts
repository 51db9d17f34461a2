import { readWorkspaceFile, readWorkspaceYaml } from './deploy-files';
import { exportedSeries, promqlMetricNames } from './metrics';

interface Target {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  title?: string;
  type: string;
  datasource?: { uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid?: string;
  title?: string;
  panels: Panel[];
}

const dashboardFile = 'deploy/grafana/dashboards/taxi-kafka.json';
const dashboard = () => JSON.parse(readWorkspaceFile(dashboardFile)) as Dashboard;
const allPanels = (panels: Panel[]): Panel[] =>
  panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
const datasource = () =>
  readWorkspaceYaml<{ datasources: { uid: string; type: string; url: string }[] }>(
    'deploy/grafana/provisioning/datasources/prometheus.yml',
  ).datasources;

describe('the Grafana dashboard and its provisioning', () => {
  it('when the dashboard is loaded, then it is JSON with a uid, a title and query panels', () => {
    const queries = allPanels(dashboard().panels).flatMap((panel) => panel.targets ?? []);

    expect(dashboard()).toMatchObject({ uid: 'taxi-kafka', title: expect.any(String) });
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.every((query) => typeof query.expr === 'string')).toBe(true);
  });

  it('when a panel queries Prometheus, then every metric it names is exported by a service', async () => {
    const exported = await exportedSeries();
    const queries = allPanels(dashboard().panels).flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr ?? '' })),
    );

    const unknown = queries.flatMap(({ panel, expr }) =>
      promqlMetricNames(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${panel}: ${name}`),
    );

    expect(unknown).toEqual([]);
  });

  it('when the dashboard shows the pipeline, then it has the funnel, rates, end-to-end latency and processing times', () => {
    const exprs = allPanels(dashboard().panels)
      .flatMap((panel) => panel.targets ?? [])
      .map((target) => target.expr ?? '');

    expect(exprs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/increase\(taxi_ride_requests_total/),
        expect.stringMatching(/rate\(taxi_ride_decisions_total/),
        expect.stringMatching(/histogram_quantile\(.*taxi_ride_request_to_outcome_seconds_bucket/),
        expect.stringMatching(/histogram_quantile\(.*taxi_ride_decision_seconds_bucket/),
      ]),
    );
  });

  it('when panels pick a data source, then it is the provisioned Prometheus', () => {
    const [provisioned] = datasource();
    const uids = allPanels(dashboard().panels)
      .flatMap((panel) => [panel.datasource, ...(panel.targets ?? []).map((t) => t.datasource)])
      .filter((source) => source !== undefined)
      .map((source) => source?.uid);

    expect(new Set(uids)).toEqual(new Set([provisioned?.uid]));
    expect(provisioned).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
  });
});

describe('the PromQL metric-name reader', () => {
  it('when an expression has functions, labels, ranges and grouping, then only metric names remain', () => {
    const expression =
      'histogram_quantile(0.95, sum by (le, service) (rate(taxi_x_bucket{route="/a(b)"}[$__rate_interval]))) / on(service) up';

    expect(promqlMetricNames(expression)).toEqual(['taxi_x_bucket', 'up']);
  });

  it('when a query names a metric no service exports, then it is reported', async () => {
    const exported = await exportedSeries();

    const names = promqlMetricNames('sum(rate(taxi_rides_total[5m]))');

    expect(names.filter((name) => !exported.has(name))).toEqual(['taxi_rides_total']);
  });
});
