import { z } from 'zod';
import { envelope } from './envelope';
import { coordinatesSchema } from './geo';
import { rideRequestSchema } from './rides';

const timestamp = z.iso.datetime({ offset: true });
const driverId = z.string().min(1).max(64);

/**
 * A ride passed to the partition that owns the driver it should get (ADR 038): the request as it
 * came (the receiver decides and publishes its outcome), the driver the sender chose, and the
 * drivers found taken on the way, so that forwards end.
 */
export const rideForwardSchema = z
  .object({
    request: rideRequestSchema,
    /** Forwards so far, this one included. */
    hops: z.int().min(1).max(64),
    /** The partition that sent it. */
    from: z.int().min(0),
    preferredDriverId: driverId,
    excluded: z.array(driverId).max(64),
  })
  .strict();

/** A driver moving to another partition's ownership, with where and until when they are busy. */
export const driverHandOverSchema = z
  .object({
    driverId,
    position: coordinatesSchema,
    /** Busy with a ride until then; absent or past: free. */
    busyUntil: timestamp.optional(),
    /** The partition that sent it. */
    from: z.int().min(0),
    /** The ride whose drop-off moved the driver, if a ride did. */
    rideId: z.string().min(1).max(64).optional(),
  })
  .strict();

export const rideForwardEventSchema = envelope('dispatch.forward', rideForwardSchema);
export const driverHandOverEventSchema = envelope('dispatch.hand_over', driverHandOverSchema);

/** What travels on `dispatch`, told apart by the envelope's `type`. */
export const dispatchEventSchema = z.discriminatedUnion('type', [
  rideForwardEventSchema,
  driverHandOverEventSchema,
]);

export type RideForwardEvent = z.infer<typeof rideForwardEventSchema>;
export type DriverHandOverEvent = z.infer<typeof driverHandOverEventSchema>;
export type DispatchEvent = z.infer<typeof dispatchEventSchema>;
