import express from 'express';
import pino from 'pino';
import { Registry } from 'prom-client';
import { listen, type RunningServer } from '@taxi/service-kit';
import { requestRide, type RequestRideDeps } from '../domain/request-ride';
import { RideStore } from '../store/ride-store';
import { ridesMetrics } from '../metrics';
import { errorHandler } from './errors';
import { ridesRoutes } from './routes';

export interface RidesTestServer {
  readonly url: string;
  readonly store: RideStore;
  readonly close: RunningServer['close'];
}

/** The rides routes on a loopback port with a fake publish, for HTTP tests. */
export const startRidesTestServer = async (
  publish: RequestRideDeps['publish'],
  maxBodyBytes = 1024,
  readModelCaughtUp: () => boolean = () => true,
  answerWithinMs = 1_000,
): Promise<RidesTestServer> => {
  const store = RideStore.open(':memory:');
  // One per server, as app.ts has one per process: retries must find each other's publishes.
  const inFlight = new Map();
  const app = express();
  app.use(
    ridesRoutes({
      requestRide: (input, context) =>
        requestRide(input, context, {
          publish,
          store,
          now: () => new Date('2026-11-21T10:00:00Z'),
          inFlight,
          answerWithinMs,
        }),
      rideStatus: (rideId) => store.status(rideId),
      readModelCaughtUp,
      metrics: ridesMetrics(new Registry()),
      maxBodyBytes,
    }),
  );
  app.use(errorHandler(pino({ level: 'silent' })));
  const server = await listen(app, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${server.port}`,
    store,
    close: async () => {
      await server.close();
      store.close();
    },
  };
};

export const validRideBody = {
  customerId: 'cust-42',
  customerEmail: 'ada@example.com',
  pickup: { lat: 40.7128, lng: -74.006 },
  dropoff: { lat: 40.7306, lng: -73.9352 },
  passengers: 2,
  paymentToken: 'tok_visa',
};
