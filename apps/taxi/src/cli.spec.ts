import { runCli } from './cli';
import { duration } from './format';

const run = async (...argv: string[]) => {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    out: (text) => (out += text),
    err: (text) => (err += text),
    interrupted: new Promise(() => undefined),
  });
  return { code, out, err };
};

describe('taxi CLI (no broker needed)', () => {
  it('when asked for help, then it prints usage, environment and exit codes, and exits 0', async () => {
    const { code, out } = await run('--help');

    expect(code).toBe(0);
    expect(out).toContain('Usage: taxi');
    expect(out).toContain('KAFKA_BROKERS');
    expect(out).toContain('Exit codes: 0 ok');
  });

  it('when no command is given, then it shows the commands and exits 2', async () => {
    const { code, err } = await run();

    expect(code).toBe(2);
    expect(err).toContain('Commands:');
  });

  it.each(['topics', 'topics grow', 'groups', 'tail', 'redrive', 'ride request', 'ride watch'])(
    'when `taxi %s --help` is run, then it documents the command and its --json flag',
    async (command) => {
      const { code, out } = await run(...command.split(' '), '--help');

      expect(code).toBe(0);
      expect(out).toMatch(/Usage: taxi .+/);
      expect(out).toContain('--json');
    },
  );

  it.each([
    [['topics', '--bogus'], "unknown option '--bogus'"],
    [['nonsense'], "unknown command 'nonsense'"],
    [['tail'], "missing required argument 'topic'"],
    [['tail', 'ride_details', '--max', '0'], 'must be a positive integer'],
    [['topics', 'grow', '--partitions', '0'], 'must be a positive integer'],
    [['topics', 'grow'], "required option '--partitions <n>' not specified"],
    [['ride', 'watch', 'not-a-uuid'], 'not-a-uuid is not a ride id'],
    [['ride', 'request', '--from', 'north'], '--from must be lat,lng'],
    [['ride', 'request', '--data', '{oops'], '--data is not valid JSON'],
    [['redrive', 'ride_details'], 'ride_details is not a dead-letter topic'],
  ])(
    'when the arguments are %p, then it exits 2 with one line naming the problem',
    async (argv, why) => {
      const { code, err, out } = await run(...argv);

      expect(code).toBe(2);
      expect(err).toContain(why);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(out).toBe('');
    },
  );

  it('when a Kafka variable is malformed, then it exits 2 naming the variable', async () => {
    process.env['KAFKA_BROKERS'] = 'no-port';
    try {
      const { code, err } = await run('topics');

      expect(code).toBe(2);
      expect(err).toMatch(/^taxi: invalid configuration: KAFKA_BROKERS: .+\n$/);
    } finally {
      delete process.env['KAFKA_BROKERS'];
    }
  });

  it.each([
    [604_800_000, '7d'],
    [3_600_000, '1h'],
    [90_000, '90s'],
    [-1, 'forever'],
    [1_500, '1500ms'],
  ])('when %p ms is shown, then it reads %p', (ms, text) => {
    expect(duration(ms)).toBe(text);
  });
});
