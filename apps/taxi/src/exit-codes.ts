/** The CLI's exit codes (documented in apps/taxi/README.md and `taxi --help`). */
export const EXIT = {
  ok: 0,
  /** Anything unexpected. */
  failed: 1,
  /** Bad flags or arguments, or a malformed environment variable. */
  usage: 2,
  /** An unknown ride or topic. */
  notFound: 3,
  /** The Kafka broker (or the rides API) cannot be reached. */
  unreachable: 4,
  /** `ride watch --timeout` ran out before the ride's email. */
  timeout: 5,
  /** `topics grow` refused: it would shrink a topic, or the count is not a multiple of the current. */
  refused: 6,
  /** `topics grow` stopped after adding some partitions: run the same command again. */
  incomplete: 7,
} as const;

export const EXIT_CODES_HELP = `Exit codes: 0 ok, 1 unexpected failure, 2 bad flags or arguments (or a bad
environment variable), 3 unknown ride or topic, 4 Kafka or the rides API unreachable,
5 ride watch timed out, 6 topics grow refused (a shrink, or not a multiple of the current count),
7 topics grow incomplete (run it again).`;

/** An error the CLI reports as one line, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
