import { z } from 'zod';

export const coordinatesSchema = z
  .object({
    lat: z.number().min(-90).max(90),
    lng: z.number().min(-180).max(180),
  })
  .strict();

export type Coordinates = z.infer<typeof coordinatesSchema>;
