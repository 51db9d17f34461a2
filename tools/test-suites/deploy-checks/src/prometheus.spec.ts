import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readWorkspaceYaml, workspaceRoot } from './deploy-files';
import { exportedSeries, promqlMetricNames } from './metrics';

/** `promtool check config`: fails, never skips, when promtool is missing. */
const promtoolCheckConfig = (file: string) => {
  const run = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' });
  if (run.error)
    throw new Error(
      `promtool is needed to check the Prometheus config (${run.error.message}): apt-get install prometheus`,
    );
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
};

describe('the Prometheus config of the compose stack', () => {
  it('when checked with promtool, then the config and its alert rules are valid', () => {
    const result = promtoolCheckConfig(
      path.join(workspaceRoot, 'deploy/prometheus/prometheus.yml'),
    );

    expect(result).toMatchObject({ status: 0, output: expect.stringContaining('SUCCESS') });
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('when a config is broken, then promtool rejects it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'promtool-'));
    const file = path.join(dir, 'prometheus.yml');
    writeFileSync(file, 'scrape_configs:\n  - job_name: x\n    scrape_intervall: 5s\n');

    expect(promtoolCheckConfig(file)).toMatchObject({
      status: 1,
      output: expect.stringContaining('scrape_intervall'),
    });
  });

  it('when alert rules query metrics, then every metric they name is exported by a service', async () => {
    const exported = await exportedSeries();
    const rules = readWorkspaceYaml<{ groups: { rules: { alert: string; expr: string }[] }[] }>(
      'deploy/prometheus/alerts.yml',
    ).groups.flatMap((group) => group.rules);

    const unknown = rules.flatMap((rule) =>
      promqlMetricNames(rule.expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${rule.alert}: ${name}`),
    );

    expect(unknown).toEqual([]);
  });
});
