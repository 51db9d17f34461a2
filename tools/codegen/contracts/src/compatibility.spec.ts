import { z } from 'zod';
import {
  analyticsPartitionStateSchema,
  envelope,
  fleetPartitionStateSchema,
  publishedJsonSchema,
  rideRejectionSchema,
  rideRequestSchema,
  topics,
} from '@taxi/events';
import { breakingChanges } from './compatibility';

// Each rule of ADR 040, made the way a developer would make it: the zod schema of a topic changed,
// its JSON Schema generated as `npm run contracts` publishes it, compared with the published one.

const published = (schema: z.ZodType) =>
  publishedJsonSchema({ ...topics.rideRequested, schema, keyOf: () => '' });
const request = (payload: z.ZodType) => published(envelope('ride.requested', payload));
const fleet = (payload: z.ZodType) => published(envelope('fleet.partition_state', payload));
const analytics = (payload: z.ZodType) => published(envelope('analytics.partition_state', payload));
const rejection = (payload: z.ZodType) => published(envelope('ride.rejected', payload));

const driver = fleetPartitionStateSchema.shape.drivers.element;
const coordinates = rideRequestSchema.shape.pickup;
const withDriver = (changed: z.ZodObject) =>
  fleetPartitionStateSchema.extend({ drivers: z.array(changed).max(10_000) });
const minuteCounts = z.object({ confirmed: z.int().min(0), rejected: z.int().min(0) }).strict();

const base = {
  request: request(rideRequestSchema),
  fleet: fleet(fleetPartitionStateSchema),
  analytics: analytics(analyticsPartitionStateSchema),
  rejection: rejection(rideRejectionSchema),
};

describe('breakingChanges: what a reader of a published version survives (ADR 040)', () => {
  it('when nothing changed, then nothing breaks (the fleet snapshot rebuilt field by field included)', () => {
    expect(breakingChanges(base.request, request(rideRequestSchema))).toEqual([]);
    expect(breakingChanges(base.fleet, fleet(withDriver(driver)))).toEqual([]);
  });

  it.each([
    [
      'an optional field is added to the payload',
      base.request,
      request(rideRequestSchema.extend({ seatPreference: z.enum(['front', 'back']).optional() })),
    ],
    [
      'an optional field is added to a nested object',
      base.request,
      request(
        rideRequestSchema.extend({ pickup: coordinates.extend({ floor: z.int().optional() }) }),
      ),
    ],
    [
      'an optional field is added to the items of an array (a fleet driver)',
      base.fleet,
      fleet(withDriver(driver.extend({ licenceClass: z.string().optional() }))),
    ],
    [
      'an optional field is added to the values of a map (a minute of analytics)',
      base.analytics,
      analytics(
        analyticsPartitionStateSchema.extend({
          perMinute: z.record(
            z.string().max(32),
            minuteCounts.extend({ cancelled: z.int().min(0).optional() }),
          ),
        }),
      ),
    ],
    [
      'a description is added',
      base.request,
      request(rideRequestSchema.extend({ passengers: z.int().min(1).max(8).describe('riders') })),
    ],
  ])('when %s, then it is compatible', (_, before, after) => {
    expect(breakingChanges(before, after)).toEqual([]);
  });

  it.each([
    [
      'a required field is added',
      base.request,
      request(rideRequestSchema.extend({ seatPreference: z.enum(['front', 'back']) })),
      'payload.seatPreference',
    ],
    [
      'a required field is removed',
      base.request,
      request(rideRequestSchema.omit({ customerEmail: true })),
      'payload.customerEmail',
    ],
    [
      'an optional field is removed',
      base.fleet,
      fleet(withDriver(driver.omit({ busyUntil: true }))),
      'payload.drivers.[].busyUntil',
    ],
    [
      'a field is renamed',
      base.request,
      request(
        rideRequestSchema.omit({ passengers: true }).extend({ seats: z.int().min(1).max(8) }),
      ),
      'payload.passengers',
    ],
    [
      'a field changes type',
      base.request,
      request(rideRequestSchema.extend({ passengers: z.string() })),
      'payload.passengers',
    ],
    [
      'a nested field changes type',
      base.request,
      request(rideRequestSchema.extend({ pickup: coordinates.extend({ lat: z.string() }) })),
      'payload.pickup.lat',
    ],
    [
      'an optional field becomes required',
      base.fleet,
      fleet(withDriver(driver.extend({ busyUntil: z.iso.datetime({ offset: true }) }))),
      'payload.drivers.[].busyUntil',
    ],
    [
      'a required field becomes optional',
      base.request,
      request(rideRequestSchema.extend({ passengers: z.int().min(1).max(8).optional() })),
      'payload.passengers',
    ],
    [
      'a bound is widened (old readers refuse the new values)',
      base.request,
      request(rideRequestSchema.extend({ passengers: z.int().min(1).max(10) })),
      'payload.passengers',
    ],
    [
      'a bound is narrowed (new readers refuse old values)',
      base.request,
      request(rideRequestSchema.extend({ passengers: z.int().min(1).max(6) })),
      'payload.passengers',
    ],
    [
      'an enum value is added',
      base.rejection,
      rejection(
        rideRejectionSchema.extend({
          reason: z.enum(['payment_declined', 'no_driver_available', 'fraud_suspected']),
        }),
      ),
      'payload.reason',
    ],
    [
      'an enum value is removed',
      base.rejection,
      rejection(rideRejectionSchema.extend({ reason: z.enum(['payment_declined']) })),
      'payload.reason',
    ],
    [
      'a constant changes (the event type)',
      base.request,
      published(envelope('ride.asked', rideRequestSchema)),
      'type',
    ],
    [
      'a pattern changes',
      base.request,
      request(rideRequestSchema.extend({ paymentToken: z.string().min(3).max(64).regex(/^pm_/) })),
      'payload.paymentToken',
    ],
    [
      'a format is dropped',
      base.request,
      request(rideRequestSchema.extend({ customerEmail: z.string().max(254) })),
      'payload.customerEmail',
    ],
    [
      'the keys a map accepts change',
      base.analytics,
      analytics(
        analyticsPartitionStateSchema.extend({
          pickupZones: z.record(z.string().max(32), z.int().min(0)),
        }),
      ),
      'payload.pickupZones',
    ],
  ])(
    'when %s, then it breaks a reader, and the check names the field',
    (_, before, after, field) => {
      const changes = breakingChanges(before, after);

      expect(changes.length).toBeGreaterThan(0);
      expect(changes.map((change) => change.field)).toContain(field);
    },
  );
});
