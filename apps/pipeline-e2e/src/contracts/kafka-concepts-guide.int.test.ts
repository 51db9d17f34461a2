import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually, uniqueName } from '@taxi/testing';
import { guideSteps, outputPattern } from '../support/guide';
import {
  LocalCluster,
  SERVICE_NAMES,
  startStack,
  type Stack,
  type ServiceName,
  workspaceRoot,
} from '@taxi/stack-harness';

const GUIDE = 'docs/kafka-concepts.md';
/** `taxi` in the guide is the built CLI (what `npm link` or `npm run taxi --` run). */
const TAXI = 'taxi() { node dist/apps/taxi/main.js "$@"; }';

/** The guide runs on three nodes, as `KAFKA_NODES=3 npm start` does: a cluster of its own. */
const CLUSTER_PORT = Number(process.env['GUIDE_CLUSTER_PORT'] ?? 19720);

describe(`${GUIDE}: every command, run against a real three-node cluster and the whole stack`, () => {
  let cluster: LocalCluster;
  let stack: Stack;
  // Topic and group names of this run all start with the prefix; the guide shows them without.
  const prefix = `${uniqueName('guide')}.`;

  beforeAll(async () => {
    cluster = await LocalCluster.start(CLUSTER_PORT);
    const env: Partial<Record<ServiceName, Record<string, string>>> = {};
    for (const name of SERVICE_NAMES) env[name] = { KAFKA_GROUP_ID: `${prefix}${name}` };
    stack = await startStack({
      prefix,
      env,
      brokers: cluster.bootstrap,
      replication: cluster.replication,
    });
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
    await cluster?.stopAll();
  });

  const run = (command: string) =>
    promisify(execFile)('bash', ['-c', `${TAXI}\n${command}`], {
      cwd: workspaceRoot,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '',
        ...(process.env['JAVA_HOME'] && { JAVA_HOME: process.env['JAVA_HOME'] }),
        // kafka.sh's jar cache, wherever this run keeps it.
        ...(process.env['TAXI_KAFKA_CACHE'] && {
          TAXI_KAFKA_CACHE: process.env['TAXI_KAFKA_CACHE'],
        }),
        ...(process.env['XDG_CACHE_HOME'] && { XDG_CACHE_HOME: process.env['XDG_CACHE_HOME'] }),
        // What the guide's second terminal has: `export KAFKA_NODES=3` and `kafka.sh env`.
        ...cluster.shellEnv,
        KAFKA_BROKERS: stack.brokers,
        KAFKA_TOPIC_PREFIX: prefix,
        RIDES_URL: stack.ridesUrl,
      },
    }).then(
      ({ stdout }) => ({ code: 0, stdout: stdout.split(prefix).join('') }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        stdout: `${error.stdout}${error.stderr}`,
      }),
    );

  it('when each command of the guide is run in order, then it succeeds and prints what the guide shows', async () => {
    const steps = guideSteps(GUIDE);
    expect(steps.length).toBeGreaterThanOrEqual(10);

    for (const step of steps) {
      const background = /dist\/apps\/(\w+)\/main\.js.*&$/.exec(step.command);
      if (background) {
        // "start a second instance": the same service, same group, as the stack runs it.
        await stack.addInstance(background[1] as ServiceName);
        continue;
      }
      expect({ line: step.line, output: step.output !== undefined }).toEqual({
        line: step.line,
        output: true,
      });
      const pattern = outputPattern(step.output ?? '');
      // Rebalances, windows closing and emails take a moment: retried until the output matches.
      const result = await eventually(
        () => run(step.command),
        (r) => r.code === 0 && pattern.test(r.stdout),
        { timeoutMs: 90_000, everyMs: 500 },
      ).catch((error: Error) => ({ code: -1, stdout: error.message }));

      expect({ line: step.line, command: step.command, result }).toEqual({
        line: step.line,
        command: step.command,
        result: { code: 0, stdout: expect.stringMatching(pattern) },
      });
    }
  }, 900_000);
});
