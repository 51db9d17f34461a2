import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { uniqueName } from '@taxi/testing';
import { startService, type ServiceProcess, workspaceRoot } from '@taxi/stack-harness';

/** Runs tools/test-infra/fuzz/schemathesis.sh against a URL; resolves with its exit code and output. */
const schemathesis = async (baseUrl: string): Promise<{ code: number | null; output: string }> => {
  const child = spawn(
    'bash',
    [path.join(workspaceRoot, 'tools/test-infra/fuzz/schemathesis.sh'), baseUrl],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
};

describe('the rides API under a foreign fuzzer (schemathesis, from its own OpenAPI)', () => {
  let rides: ServiceProcess;
  let url: string;

  beforeAll(async () => {
    const run = uniqueName('fuzz');
    const started = await startService(
      'rides',
      {
        KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '',
        KAFKA_TOPIC_PREFIX: `${run}.`,
        READ_MODEL_GROUP_PREFIX: `${run}-read-model`,
        HTTP_PORT: '0',
      },
      'joined consumer group',
    );
    rides = started.process;
    url = `http://127.0.0.1:${started.port}`;
  });

  afterAll(async () => {
    await rides?.stop();
  });

  it('when schemathesis fuzzes every operation, then there is no server error and no answer outside the spec', async () => {
    const { code, output } = await schemathesis(url);

    expect({ code, tail: code === 0 ? '' : output.slice(-4000) }).toEqual({ code: 0, tail: '' });
    expect(output).toMatch(/No issues found/);
    expect(output).toMatch(/Tested: [1-9]/);
    expect(rides.logs.filter((line) => line.msg === 'unhandled error')).toEqual([]);
  }, 420_000);

  it('when asked to fuzz anything but 127.0.0.1, then it refuses with exit code 2', async () => {
    const { code, output } = await schemathesis('http://example.com:80');

    expect(code).toBe(2);
    expect(output).toContain('only a service on http://127.0.0.1');
  });
});
