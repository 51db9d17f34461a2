import { z } from 'zod';
import { envelope } from './envelope';
import { coordinatesSchema } from './geo';
import { moneyTotalSchema, vehicleClassSchema } from './rides';

const timestamp = z.iso.datetime({ offset: true });

/** One email handed to the mail server; the email service's ledger of what it already sent. */
export const emailSentSchema = z
  .object({
    rideId: z.uuid(),
    kind: z.enum(['confirmation', 'rejection']),
    messageId: z.string().min(1).max(256),
    sentAt: timestamp,
  })
  .strict();

const counts = z.record(z.string().max(64), z.int().min(0));

/**
 * The analytics state built from one input partition, with the offset it covers. Written in the
 * same transaction as the consumed offsets, so state and position never disagree.
 */
export const analyticsPartitionStateSchema = z
  .object({
    source: z.object({ topic: z.string(), partition: z.int().min(0) }).strict(),
    nextOffset: z.string().regex(/^\d+$/),
    confirmed: z.int().min(0),
    rejected: z.int().min(0),
    rejectionsByReason: counts,
    fareTotal: moneyTotalSchema,
    /** Pickup ETA histogram: upper bound in seconds (as a string) → rides. */
    etaBuckets: counts,
    pickupZones: counts,
    /** Per minute (ISO start of minute) → confirmed and rejected that minute, the last hour. */
    perMinute: z.record(
      z.string().max(32),
      z.object({ confirmed: z.int().min(0), rejected: z.int().min(0) }).strict(),
    ),
    /**
     * Confirmed rides by vehicle class (analytics_state 1.1). A snapshot of 1.0 has none: its
     * rides were all standard, which is how analytics upcasts it on restore.
     */
    confirmedByVehicleClass: counts.optional(),
  })
  .strict();

/** Drivers one fleet snapshot may hold, and ride ids its duplicate guard may remember. */
export const FLEET_STATE_LIMITS = { drivers: 10_000, decidedRides: 1_000 } as const;

/**
 * The part of the fleet owned by one `ride_details` partition (its shard of drivers), with the
 * offset it covers and the rides it decided last. Written by transaction in the same transaction
 * as the decisions and the consumed offsets, to the same partition number as its source.
 */
export const fleetPartitionStateSchema = z
  .object({
    source: z.object({ topic: z.string(), partition: z.int().min(0) }).strict(),
    nextOffset: z.string().regex(/^\d+$/),
    drivers: z
      .array(
        z
          .object({
            id: z.string().min(1).max(64),
            /** Where the driver is free from: home, or the drop-off of their last ride. */
            position: coordinatesSchema,
            /** Busy with a ride until then; absent or past: free. */
            busyUntil: timestamp.optional(),
            /** The driver's car (fleet_state 1.1): only rides of its class are matched to it. */
            vehicleClass: vehicleClassSchema.optional(),
          })
          .strict(),
      )
      .max(FLEET_STATE_LIMITS.drivers),
    /** Ride ids decided last in this partition, oldest first: a repeated request is dropped. */
    decidedRides: z.array(z.string().min(1).max(64)).max(FLEET_STATE_LIMITS.decidedRides),
  })
  .strict();

export const emailSentEventSchema = envelope('email.sent', emailSentSchema);
export const analyticsStateEventSchema = envelope(
  'analytics.partition_state',
  analyticsPartitionStateSchema,
);

export const fleetStateEventSchema = envelope('fleet.partition_state', fleetPartitionStateSchema);

export type EmailSent = z.infer<typeof emailSentSchema>;
export type EmailSentEvent = z.infer<typeof emailSentEventSchema>;
export type AnalyticsPartitionState = z.infer<typeof analyticsPartitionStateSchema>;
export type AnalyticsStateEvent = z.infer<typeof analyticsStateEventSchema>;
export type FleetPartitionState = z.infer<typeof fleetPartitionStateSchema>;
export type FleetStateEvent = z.infer<typeof fleetStateEventSchema>;
