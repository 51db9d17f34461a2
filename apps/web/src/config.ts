import { z } from 'zod';
import { commonEnv, port, positiveInt, withKafkaChecks } from '@taxi/service-kit';

const latitude = z.coerce.number().min(-90).max(90);
const longitude = z.coerce.number().min(-180).max(180);

export const webEnv = withKafkaChecks(
  z.object({
    ...commonEnv,
    HTTP_PORT: port(3004).describe('Port of the page, its API, /healthz, /readyz and /metrics'),
    KAFKA_CLIENT_ID: z.string().min(1).default('web').describe('Kafka client id'),
    RIDES_URL: z
      .url({ protocol: /^https?$/ })
      .default('http://localhost:3000')
      .describe('Base URL of the rides API, where booked rides are sent'),
    FLEET_CENTER_LAT: latitude
      .default(40.7306)
      .describe("Latitude of the map's centre (as transaction's fleet area)"),
    FLEET_CENTER_LNG: longitude
      .default(-73.9352)
      .describe("Longitude of the map's centre (as transaction's fleet area)"),
    FLEET_RADIUS_KM: z.coerce
      .number()
      .positive()
      .default(15)
      .describe("Radius of the area the map shows (as transaction's fleet area)"),
    RECENT_EVENTS: positiveInt(20).describe(
      'How many of the latest events the operations view lists',
    ),
    OPERATIONS_INTERVAL_MS: positiveInt(1_000).describe(
      'How often the operations view is sent to open pages, and lag read from the broker, in ms',
    ),
  }),
);

export type WebConfig = z.infer<typeof webEnv>;
