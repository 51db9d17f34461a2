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

const offset = z.string().regex(/^\d+$/);
const fleetSource = z.object({ topic: z.string(), partition: z.int().min(0) }).strict();
const fleetDriver = z
  .object({
    id: z.string().min(1).max(64),
    /** Where the driver is free from: home, or the drop-off of their last ride. */
    position: coordinatesSchema,
    /** Busy with a ride until then; absent or past: free. */
    busyUntil: timestamp.optional(),
    /** The driver's car (fleet_state 1.1): only rides of its class are matched to it. */
    vehicleClass: vehicleClassSchema.optional(),
  })
  .strict();

/**
 * fleet_state 1 (ADR 008): the shard of drivers dealt to one `ride_details` partition by index,
 * with the offset it covers and the rides it decided last. Read only, by the reader of major 1:
 * since 2 the snapshot lists the drivers a partition owns (ADR 038).
 */
export const fleetPartitionStateV1Schema = z
  .object({
    source: fleetSource,
    nextOffset: offset,
    drivers: z.array(fleetDriver).max(FLEET_STATE_LIMITS.drivers),
    /** Ride ids decided last in this partition, oldest first: a repeated request is dropped. */
    decidedRides: z.array(z.string().min(1).max(64)).max(FLEET_STATE_LIMITS.decidedRides),
  })
  .strict();

/**
 * fleet_state 2 (ADR 038): the drivers one partition number _owns_ (listed, never derived from a
 * partition count), the rides it decided or passed on last, and the drivers it forwarded a ride
 * for lately. Written by transaction in the same transaction as its decisions, forwards and
 * consumed offsets, to the same partition number as its inputs (`ride_details` and `dispatch`).
 */
export const fleetPartitionStateSchema = z
  .object({
    source: fleetSource,
    /** The position in `source.topic` this state covers up to. */
    nextOffset: offset,
    /** The position in each co-partitioned input it covers up to, by topic (`dispatch` too). */
    inputOffsets: z.record(z.string().min(1).max(249), offset).optional(),
    /** The drivers this partition owns, with where and until when each is busy. */
    drivers: z.array(fleetDriver).max(FLEET_STATE_LIMITS.drivers),
    /**
     * Rides handled here last, oldest first: a repeated request is dropped, and so is a forward of
     * a ride decided here (a ride may come back to a partition that passed it on).
     */
    rides: z
      .array(
        z
          .object({
            rideId: z.string().min(1).max(64),
            handling: z.enum(['decided', 'forwarded']),
            /** Passed on: the hop count of the forward sent (a forward with fewer is a repeat). */
            hops: z.int().min(1).max(64).optional(),
          })
          .strict(),
      )
      .max(FLEET_STATE_LIMITS.decidedRides),
    /** Other partitions' drivers a ride was forwarded for: left alone here until then. */
    claims: z
      .array(z.object({ driverId: z.string().min(1).max(64), until: timestamp }).strict())
      .max(FLEET_STATE_LIMITS.drivers),
    /**
     * The partition count this partition last shared its drivers for (fleet_state 2.1): after a
     * growth to more, it hands the partitions added their share once, and records the new count
     * (ADR 038). Absent (2.0): the genesis count, 6.
     */
    dealtForPartitions: z.int().min(1).max(100_000).optional(),
    /**
     * The FLEET_SIZE of the writer (fleet_state 2.1): the genesis drivers of a larger fleet, from
     * this index on, are added to their genesis partition on its next restore, once (ADR 038).
     * Absent (2.0): every genesis driver of the partition not listed is added.
     */
    dealtFleetSize: z.int().min(0).max(1_000_000).optional(),
    /**
     * Never written: set by the reader of a fleet_state 1 snapshot. Its partition owns exactly the
     * drivers the genesis deal gives it (ADR 038), at the states listed here where listed.
     */
    dealtAtGenesis: z.literal(true).optional(),
  })
  .strict();

export const emailSentEventSchema = envelope('email.sent', emailSentSchema);
export const analyticsStateEventSchema = envelope(
  'analytics.partition_state',
  analyticsPartitionStateSchema,
);

export const fleetStateV1EventSchema = envelope(
  'fleet.partition_state',
  fleetPartitionStateV1Schema,
);
export const fleetStateEventSchema = envelope(
  'fleet.partition_state',
  fleetPartitionStateSchema,
  2,
);

/**
 * A fleet_state 1 snapshot read as 2: its rides were all decided, it claimed nothing, and what it
 * owns is the genesis deal (`dealtAtGenesis`), whatever it lists: a snapshot of 1 written after
 * someone altered the topic's partitions lists a re-deal, which must not make a driver owned twice.
 */
export const fleetStateFromV1 = ({
  payload: { decidedRides, ...payload },
  ...event
}: z.infer<typeof fleetStateV1EventSchema>): z.infer<typeof fleetStateEventSchema> => ({
  ...event,
  schemaVersion: 2,
  payload: {
    ...payload,
    rides: decidedRides.map((rideId) => ({ rideId, handling: 'decided' as const })),
    claims: [],
    dealtAtGenesis: true,
  },
});

export type EmailSent = z.infer<typeof emailSentSchema>;
export type EmailSentEvent = z.infer<typeof emailSentEventSchema>;
export type AnalyticsPartitionState = z.infer<typeof analyticsPartitionStateSchema>;
export type AnalyticsStateEvent = z.infer<typeof analyticsStateEventSchema>;
export type FleetPartitionState = z.infer<typeof fleetPartitionStateSchema>;
export type FleetStateEvent = z.infer<typeof fleetStateEventSchema>;
export type FleetStateV1Event = z.infer<typeof fleetStateV1EventSchema>;
