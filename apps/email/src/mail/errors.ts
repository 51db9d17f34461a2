/** The mail server refused the email for good (5xx): retrying cannot help, so it is dead-lettered. */
export class PermanentMailError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentMailError';
  }
}

export const isRetriableMailError = (error: unknown): boolean =>
  !(error instanceof PermanentMailError);
