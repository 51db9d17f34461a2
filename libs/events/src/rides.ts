import { z } from 'zod';
import { envelope } from './envelope';
import { coordinatesSchema } from './geo';

const rideId = z.uuid();
/** An opaque customer reference: letters, digits and `._:@-` only (no markup, no control chars). */
const customerId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'must contain only letters, digits and . _ : @ -');
const email = z.email().max(254);
const timestamp = z.iso.datetime({ offset: true });
/** A printable, single-line string: no control characters, bounded length. */
const label = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

export const paymentTokenSchema = z
  .string()
  .min(3)
  .max(64)
  .regex(/^tok_[A-Za-z0-9_]+$/, 'must look like tok_xxx');

/**
 * The kind of car a ride needs: a standard car, a larger one (XL), or one with a ramp or lift.
 * Added in ride_details 1.1 (ADR 040: an optional field, a compatible change). Absent: standard,
 * as every ride was before the field existed.
 */
export const vehicleClassSchema = z.enum(['standard', 'xl', 'accessible']);
export const DEFAULT_VEHICLE_CLASS = 'standard' satisfies VehicleClass;

/** What a customer asks for. Published by rides on `ride_details`. */
export const rideRequestSchema = z
  .object({
    rideId,
    customerId,
    customerEmail: email,
    pickup: coordinatesSchema,
    dropoff: coordinatesSchema,
    passengers: z.int().min(1).max(8),
    paymentToken: paymentTokenSchema,
    requestedAt: timestamp,
    vehicleClass: vehicleClassSchema.optional(),
  })
  .strict();

const currencySchema = z.string().regex(/^[A-Z]{3}$/);

/** One ride's amount: at most 100,000.00, far above any fare, so a corrupt one is refused. */
export const moneySchema = z
  .object({
    /** Minor units (cents) so sums stay exact. */
    amount: z.int().min(0).max(10_000_000),
    currency: currencySchema,
  })
  .strict();

/**
 * A sum of many rides' amounts (a partition's fare total, a window's): it grows with traffic, so
 * only exactness bounds it. A total capped like one fare stopped analytics for good once a
 * partition had taken 100,000.00 in fares.
 */
export const moneyTotalSchema = z
  .object({
    amount: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
    currency: currencySchema,
  })
  .strict();

export const driverSchema = z.object({ id: label(64), name: label(128) }).strict();

export const vehicleSchema = z
  .object({ make: label(64), model: label(64), color: label(32), plate: label(16) })
  .strict();

/** A ride the payment was authorized for and a driver was assigned to. On `ride_confirmed`. */
export const rideConfirmationSchema = rideRequestSchema
  .omit({ paymentToken: true })
  .extend({
    driver: driverSchema,
    vehicle: vehicleSchema,
    pickupEta: z.object({ seconds: z.int().min(0).max(86_400), at: timestamp }).strict(),
    distanceKm: z.number().min(0).max(20_000),
    fare: moneySchema,
    payment: z.object({ status: z.literal('authorized'), authorizationId: label(64) }).strict(),
    confirmedAt: timestamp,
  })
  .strict();

export const rejectionReasonSchema = z.enum(['payment_declined', 'no_driver_available']);

/** A ride that could not be served, and why. On `ride_rejected`. */
export const rideRejectionSchema = z
  .object({
    rideId,
    customerId,
    customerEmail: email,
    requestedAt: timestamp,
    reason: rejectionReasonSchema,
    detail: label(256),
    rejectedAt: timestamp,
  })
  .strict();

const countBy = z.record(z.string().max(64), z.int().min(0));

/** One window of analytics, published by analytics on `ride_analytics`. */
export const rideAnalyticsSummarySchema = z
  .object({
    windowStart: timestamp,
    windowEnd: timestamp,
    confirmed: z.int().min(0),
    rejected: z.int().min(0),
    confirmationRate: z.number().min(0).max(1),
    rejectionsByReason: countBy,
    pickupEtaSeconds: z
      .object({ p50: z.number().min(0), p90: z.number().min(0), max: z.number().min(0) })
      .strict(),
    fares: z.object({ total: moneyTotalSchema, average: moneySchema }).strict(),
    busiestPickupZones: z.array(z.object({ zone: z.string().max(64), rides: z.int() }).strict()),
  })
  .strict();

export const rideRequestedEventSchema = envelope('ride.requested', rideRequestSchema);
export const rideConfirmedEventSchema = envelope('ride.confirmed', rideConfirmationSchema);
export const rideRejectedEventSchema = envelope('ride.rejected', rideRejectionSchema);
export const rideAnalyticsSummaryEventSchema = envelope(
  'ride.analytics_summary',
  rideAnalyticsSummarySchema,
);

export type VehicleClass = z.infer<typeof vehicleClassSchema>;
export type RideRequest = z.infer<typeof rideRequestSchema>;
export type RideConfirmation = z.infer<typeof rideConfirmationSchema>;
export type RideRejection = z.infer<typeof rideRejectionSchema>;
export type RejectionReason = z.infer<typeof rejectionReasonSchema>;
export type RideAnalyticsSummary = z.infer<typeof rideAnalyticsSummarySchema>;
export type Money = z.infer<typeof moneySchema>;
export type RideRequestedEvent = z.infer<typeof rideRequestedEventSchema>;
export type RideConfirmedEvent = z.infer<typeof rideConfirmedEventSchema>;
export type RideRejectedEvent = z.infer<typeof rideRejectedEventSchema>;
export type RideAnalyticsSummaryEvent = z.infer<typeof rideAnalyticsSummaryEventSchema>;
