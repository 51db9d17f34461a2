import { readFileSync } from 'node:fs';
import type { CliContext } from '../context';
import { CliError, EXIT } from '../exit-codes';

export interface RideRequestOptions {
  readonly data?: string;
  readonly customer: string;
  readonly email: string;
  readonly from: string;
  readonly to: string;
  readonly passengers: string;
  readonly paymentToken: string;
  readonly idempotencyKey?: string;
  readonly json?: boolean;
}

const point = (flag: string, value: string) => {
  const [lat, lng, ...rest] = value.split(',').map(Number);
  if (
    lat === undefined ||
    lng === undefined ||
    rest.length > 0 ||
    Number.isNaN(lat) ||
    Number.isNaN(lng)
  )
    throw new CliError(
      `--${flag} must be lat,lng (e.g. 40.7359,-73.9911), not ${value}`,
      EXIT.usage,
    );
  return { lat, lng };
};

/** The body: --data (JSON, or `-` for stdin) as given, else one made from the flags. */
const bodyOf = (options: RideRequestOptions): unknown => {
  if (options.data !== undefined) {
    const text = options.data === '-' ? readFileSync(0, 'utf8') : options.data;
    try {
      return JSON.parse(text);
    } catch {
      throw new CliError('--data is not valid JSON', EXIT.usage);
    }
  }
  return {
    customerId: options.customer,
    customerEmail: options.email,
    pickup: point('from', options.from),
    dropoff: point('to', options.to),
    passengers: Number(options.passengers),
    paymentToken: options.paymentToken,
  };
};

/** `taxi ride request`: POST /rides on the rides API; the API validates, the CLI reports. */
export const rideRequestCommand = async (context: CliContext, options: RideRequestOptions) => {
  const url = `${context.config.RIDES_URL.replace(/\/$/, '')}/rides`;
  const body = JSON.stringify(bodyOf(options));
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.idempotencyKey && { 'idempotency-key': options.idempotencyKey }),
      },
      body,
    });
  } catch (error) {
    throw new CliError(
      `cannot reach the rides API at ${url} (RIDES_URL): ${String((error as Error).cause ?? error)}`,
      EXIT.unreachable,
    );
  }
  const answer = (await response.json()) as {
    rideId?: string;
    correlationId?: string;
    error?: string;
    message?: string;
    fields?: { field: string; message: string }[];
  };
  if (response.status === 503 && answer.error === 'outcome_unknown')
    throw new CliError(
      `rides API: ride ${answer.rideId} may be booked (Kafka did not confirm it in time); check with: taxi ride watch ${answer.rideId}${options.idempotencyKey ? ', or retry with the same --idempotency-key' : ''}`,
      EXIT.unreachable,
    );
  if (response.status === 503)
    throw new CliError(`rides API: ${answer.message ?? 'unavailable'}`, EXIT.unreachable);
  if (response.status !== 202) {
    const fields = (answer.fields ?? []).map((f) => `${f.field}: ${f.message}`).join('; ');
    throw new CliError(
      `rides API refused (${response.status} ${answer.error}): ${fields || answer.message}`,
      EXIT.usage,
    );
  }
  if (options.json) return context.print(JSON.stringify(answer));
  context.print(`ride ${answer.rideId} requested (correlation id ${answer.correlationId})`);
  context.print(`follow it: taxi ride watch ${answer.rideId}`);
};
