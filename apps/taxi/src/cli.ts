import { Command, InvalidArgumentError, Option } from 'commander';
import { rideRequestCommand } from './commands/ride-request';
import { rideWatchCommand } from './commands/ride-watch';
import { groupsCommand } from './commands/groups';
import { redriveCommand } from './commands/redrive';
import { tailCommand } from './commands/tail';
import { topicsCommand } from './commands/topics';
import { topicsGrowCommand } from './commands/topics-grow';
import { createContext, type CliContext } from './context';
import { failureOf } from './errors';
import { EXIT, EXIT_CODES_HELP } from './exit-codes';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Resolves on Ctrl-C: following commands (tail, watch) stop cleanly. */
  readonly interrupted: Promise<void>;
}

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return String(n);
};

const ENVIRONMENT = `Environment: KAFKA_BROKERS (default 127.0.0.1:9092), KAFKA_TOPIC_PREFIX, the other Kafka
variables of docs/configuration.md, RIDES_URL (default http://127.0.0.1:3000).`;

/** The `taxi` program; every action builds the context lazily so --help needs no config. */
const program = (io: CliIo): Command => {
  let context: CliContext | undefined;
  const ctx = () => (context ??= createContext((line) => io.out(`${line}\n`)));
  const json = () => new Option('--json', 'machine-readable output (one JSON document or line)');
  const root = new Command('taxi')
    .description('Look into the taxi-kafka pipeline on Kafka, and drive it.')
    .addHelpText('after', `\n${ENVIRONMENT}\n${EXIT_CODES_HELP}\nGuide: docs/kafka-concepts.md`)
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => undefined })
    .exitOverride()
    .showSuggestionAfterError(true);

  const ride = root.command('ride').description('request a ride, or follow one');
  ride
    .command('request')
    .description('POST a ride request to the rides API, from flags or from JSON (--data)')
    .option(
      '--data <json>',
      'the whole request as JSON ("-" reads it from stdin); other flags are ignored',
    )
    .option('--customer <id>', 'customer id', 'cust-42')
    .option('--email <address>', 'customer email', 'ada@example.com')
    .option('--from <lat,lng>', 'pickup', '40.7359,-73.9911')
    .option('--to <lat,lng>', 'drop-off', '40.6782,-73.9442')
    .option('--passengers <n>', 'passengers (1-8)', positiveInt, '1')
    .option('--payment-token <token>', 'tok_visa; tok_chargeDeclined to be declined', 'tok_visa')
    .option('--idempotency-key <key>', 'retry-safe: the same key gives the same ride')
    .addOption(json())
    .action((options) => rideRequestCommand(ctx(), options));
  ride
    .command('watch')
    .description(
      "follow one ride's events on every topic (topic[partition]@offset) until its email",
    )
    .argument('<rideId>', 'the ride id (a UUID)')
    .option('--timeout <seconds>', 'give up (exit 5) after this long', positiveInt, '120')
    .addOption(json())
    .action((rideId: string, options) => rideWatchCommand(ctx(), rideId, options, io.interrupted));

  const topics = root
    .command('topics')
    .description(
      'topics: partitions, leaders and replicas, start/end offsets, retention, compaction',
    )
    .argument('[topic...]', 'only these (default: all)')
    .addOption(json())
    .action((names: string[], options) => topicsCommand(ctx(), names, options));
  topics
    .command('grow')
    .description(
      'grow every co-partitioned topic to N partitions on a live system, state first (ADR 038); re-run to finish a partial growth',
    )
    .requiredOption(
      '--partitions <n>',
      'the partition count wanted: a multiple of the current one',
      positiveInt,
    )
    .option('--dry-run', 'only print the plan; change nothing')
    .addOption(json())
    // `--json` after `grow` is parsed by `topics`, which has one too: read both.
    .action((_options, command: Command) => topicsGrowCommand(ctx(), command.optsWithGlobals()));
  root
    .command('groups')
    .description('consumer groups: members, who reads which partition, committed offset, lag')
    .argument('[group...]', 'only these (default: all)')
    .addOption(json())
    .action((ids: string[], options) => groupsCommand(ctx(), ids, options));
  root
    .command('tail')
    .description('print messages of a topic as they arrive, decoded, with key and headers')
    .argument('<topic>', 'e.g. ride_details, ride_confirmed.dlq (KAFKA_TOPIC_PREFIX is added)')
    .option('--from-beginning', 'start with the oldest retained message')
    .option('--max <n>', 'stop after n messages', (v) => Number(positiveInt(v)))
    .addOption(json())
    .action((topic: string, options) => tailCommand(ctx(), topic, options, io.interrupted));
  root
    .command('redrive')
    .description('send dead letters back to the topic they came from, once the cause is fixed')
    .argument('<topic>', 'a dead-letter topic, e.g. ride_confirmed.dlq')
    .option('--dry-run', 'only count them; send and commit nothing')
    .addOption(json())
    .action((topic: string, options) => redriveCommand(ctx(), topic, options));
  return root;
};

/** Runs the CLI; resolves with the exit code. Errors are one line on stderr. */
export const runCli = async (argv: readonly string[], io: CliIo): Promise<number> => {
  try {
    await program(io).parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    const code = (error as { code?: string }).code;
    // --help (or `help`) asked for: 0; help shown because no command was given: a usage error.
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return EXIT.ok;
    if (code === 'commander.help') return EXIT.usage;
    const failure = failureOf(error);
    io.err(
      `taxi: ${failure.message}${failure.exitCode === EXIT.usage ? ' (see taxi --help)' : ''}\n`,
    );
    return failure.exitCode;
  }
};
