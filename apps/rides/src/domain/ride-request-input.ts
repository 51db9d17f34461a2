import { z } from 'zod';
import { rideRequestSchema } from '@taxi/events';

/** What a customer POSTs: a ride request without the fields the server assigns. */
export const rideRequestInputSchema = rideRequestSchema
  .omit({ rideId: true, requestedAt: true })
  .strict()
  .refine(
    (input) => input.pickup.lat !== input.dropoff.lat || input.pickup.lng !== input.dropoff.lng,
    { message: 'must differ from pickup', path: ['dropoff'] },
  );

export type RideRequestInput = z.infer<typeof rideRequestInputSchema>;
