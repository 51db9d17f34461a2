// `npm run bench`: how many rides per second the whole pipeline takes on this machine, from the
// HTTP API to the last count in analytics. Everything runs here: broker, four services, SMTP server
// and the load generator (autocannon) share the cores. Reports; asserts nothing.
//
//   BENCH_SECONDS      load duration (default 20)
//   BENCH_CONNECTIONS  concurrent HTTP connections (default 64)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { eventually } from '@taxi/testing';
import { getJson, rideRequest } from '../support/rides-client';
import { startStack } from '../support/stack';
import type { Stats } from '../support/verify';
import { workspaceRoot } from '../support/workspace';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 20);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 64);

const main = async () => {
  const stack = await startStack({
    env: { transaction: { PARTITIONS_CONSUMED_CONCURRENTLY: '6' } },
  });
  try {
    const body = JSON.stringify(rideRequest());
    const started = Date.now();
    const http = await autocannon({
      url: `${stack.ridesUrl}/rides`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections,
      duration: seconds,
    });
    const accepted = http['2xx'];
    const stats = await eventually(
      () => getJson<Stats>(`${stack.analyticsUrl}/stats`),
      (s) => s.body.confirmed + s.body.rejected >= accepted,
      { timeoutMs: 600_000, everyMs: 250 },
    );
    const endToEndSeconds = (Date.now() - started) / 1000;
    await stack.smtp.waitFor(accepted);
    const emailedSeconds = (Date.now() - started) / 1000;
    const report = {
      at: new Date().toISOString(),
      machine: `${(await import('node:os')).cpus().length} cores`,
      connections,
      loadSeconds: seconds,
      httpRequestsPerSecond: Math.round(http.requests.average),
      httpLatencyMs: { p50: http.latency.p50, p99: http.latency.p99, max: http.latency.max },
      accepted,
      non2xx: http.non2xx,
      errors: http.errors,
      counted: stats.body.confirmed + stats.body.rejected,
      // Requests in flight when autocannon stopped: accepted by the server, not seen by the client.
      inFlightWhenLoadStopped: stats.body.confirmed + stats.body.rejected - accepted,
      endToEndRidesPerSecond: Math.round(accepted / endToEndSeconds),
      emailedRidesPerSecond: Math.round(accepted / emailedSeconds),
    };
    const file = path.join(workspaceRoot, 'tmp/bench.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(report, null, 2));
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await stack.stop();
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${String(error)}\n`);
  process.exit(1);
});
