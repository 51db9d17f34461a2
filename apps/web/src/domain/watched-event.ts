import type {
  EmailSentEvent,
  RideConfirmedEvent,
  RideRejectedEvent,
  RideRequestedEvent,
} from '@taxi/events';
import type { RideUpdate } from './views';

/** The events the page shows: a ride's whole life, from request to email. */
export type WatchedEvent =
  RideRequestedEvent | RideConfirmedEvent | RideRejectedEvent | EmailSentEvent;

/** Where a record was read from, for the list of recent events. */
export interface Position {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** The step of its ride an event stands for, as the booking page shows it. */
export const rideUpdateOf = (event: WatchedEvent): RideUpdate => {
  switch (event.type) {
    case 'ride.requested':
      return { rideId: event.payload.rideId, status: 'requested', at: event.occurredAt };
    case 'ride.confirmed': {
      const ride = event.payload;
      const { make, model, color, plate } = ride.vehicle;
      return {
        rideId: ride.rideId,
        status: 'confirmed',
        at: ride.confirmedAt,
        driver: ride.driver.name,
        vehicle: `${color} ${make} ${model}, plate ${plate}`,
        etaSeconds: ride.pickupEta.seconds,
        fare: ride.fare,
      };
    }
    case 'ride.rejected':
      return {
        rideId: event.payload.rideId,
        status: 'rejected',
        at: event.payload.rejectedAt,
        reason: event.payload.reason,
        detail: event.payload.detail,
      };
    case 'email.sent':
      return {
        rideId: event.payload.rideId,
        status: 'emailed',
        at: event.payload.sentAt,
        kind: event.payload.kind,
      };
    default: {
      const unexpected: never = event;
      throw new Error(`unexpected event ${JSON.stringify(unexpected)}`);
    }
  }
};
