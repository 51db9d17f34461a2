import type { Logger } from 'pino';

export interface RidesAnswer {
  readonly status: number;
  /** JSON text, passed through as the rides API wrote it. */
  readonly body: string;
}

export interface RidesClient {
  requestRide(
    body: string,
    headers: { contentType: string | undefined; correlationId: string | undefined },
  ): Promise<RidesAnswer>;
}

const TIMEOUT_MS = 10_000;

/** The rides API over HTTP. When it cannot be reached the page gets a 502 it can show. */
export const ridesClient = (ridesUrl: string, logger: Logger): RidesClient => ({
  requestRide: async (body, headers) => {
    try {
      const response = await fetch(new URL('/rides', ridesUrl), {
        method: 'POST',
        headers: {
          'content-type': headers.contentType ?? 'application/json',
          ...(headers.correlationId && { 'x-correlation-id': headers.correlationId }),
        },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      logger.warn({ err: error, ridesUrl }, 'rides API unreachable');
      return {
        status: 502,
        body: JSON.stringify({
          error: 'rides_unavailable',
          message: 'the rides API cannot be reached; try again shortly',
        }),
      };
    }
  },
});
