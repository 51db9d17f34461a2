import { exampleRideConfirmed, exampleRideRejected, exampleRideRequested } from '@taxi/events';
import { RideUpdates } from './ride-updates';
import type { RideUpdate } from './views';
import { rideUpdateOf } from './watched-event';

const RIDE = exampleRideRequested().payload.rideId;
const OTHER = '11111111-2222-4333-8444-555555555555';

describe('ride updates', () => {
  it('when a page starts listening after some steps, then it gets those steps, then the new ones, in order', () => {
    const updates = new RideUpdates(10);
    const seen: RideUpdate['status'][] = [];
    updates.publish(rideUpdateOf(exampleRideRequested()));
    updates.publish(rideUpdateOf(exampleRideConfirmed()));

    updates.subscribe(RIDE, (update) => seen.push(update.status));
    updates.publish(
      rideUpdateOf({
        eventId: '7b0e6a4c-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
        type: 'email.sent',
        schemaVersion: 1,
        occurredAt: '2026-11-21T10:00:01.000Z',
        correlationId: 'corr-1',
        payload: {
          rideId: RIDE,
          kind: 'confirmation',
          messageId: '<m@x>',
          sentAt: '2026-11-21T10:00:01.000Z',
        },
      }),
    );

    expect(seen).toEqual(['requested', 'confirmed', 'emailed']);
  });

  it('when another ride changes, then a page listening to one ride hears nothing, and nothing after it stops', () => {
    const updates = new RideUpdates(10);
    const seen: RideUpdate[] = [];
    const stop = updates.subscribe(RIDE, (update) => seen.push(update));

    updates.publish(rideUpdateOf(exampleRideRequested({ rideId: OTHER })));
    stop();
    updates.publish(rideUpdateOf(exampleRideRequested()));

    expect(seen).toEqual([]);
  });

  it('when more rides pass than are remembered, then the oldest ride is forgotten', () => {
    const updates = new RideUpdates(1);
    const seen: RideUpdate[] = [];
    updates.publish(rideUpdateOf(exampleRideRequested()));
    updates.publish(rideUpdateOf(exampleRideRequested({ rideId: OTHER })));

    updates.subscribe(RIDE, (update) => seen.push(update));

    expect(seen).toEqual([]);
  });

  it('when a ride is confirmed or rejected, then its step carries what the page shows', () => {
    expect(rideUpdateOf(exampleRideConfirmed())).toEqual({
      rideId: RIDE,
      status: 'confirmed',
      at: '2026-11-21T10:00:00.500Z',
      driver: 'Grace Hopper',
      vehicle: 'white Toyota Prius, plate TX-1234',
      etaSeconds: 240,
      fare: { amount: 2140, currency: 'USD' },
    });
    expect(rideUpdateOf(exampleRideRejected())).toMatchObject({
      status: 'rejected',
      reason: 'payment_declined',
      detail: 'card declined by issuer',
    });
  });
});
