import type { RideConfirmation, RideRejection } from '@taxi/events';

export type RideStatus =
  | { rideId: string; status: 'requested'; requestedAt: string }
  | {
      rideId: string;
      status: 'confirmed';
      requestedAt: string;
      confirmedAt: string;
      driver: RideConfirmation['driver'];
      vehicle: RideConfirmation['vehicle'];
      pickupEta: RideConfirmation['pickupEta'];
      fare: RideConfirmation['fare'];
    }
  | {
      rideId: string;
      status: 'rejected';
      requestedAt: string;
      rejectedAt: string;
      reason: RideRejection['reason'];
      detail: string;
    };

/**
 * The status of every recent ride, built from the ride topics. An outcome always wins over
 * "requested", whichever arrives first: the topics are not ordered with each other.
 */
export class RideStatusStore {
  private readonly rides = new Map<string, RideStatus>();

  constructor(private readonly maxRides: number) {}

  get(rideId: string): RideStatus | undefined {
    return this.rides.get(rideId);
  }

  get size(): number {
    return this.rides.size;
  }

  requested(rideId: string, requestedAt: string): void {
    if (!this.rides.has(rideId)) this.put({ rideId, status: 'requested', requestedAt });
  }

  confirmed(ride: RideConfirmation): void {
    this.put({
      rideId: ride.rideId,
      status: 'confirmed',
      requestedAt: ride.requestedAt,
      confirmedAt: ride.confirmedAt,
      driver: ride.driver,
      vehicle: ride.vehicle,
      pickupEta: ride.pickupEta,
      fare: ride.fare,
    });
  }

  rejected(ride: RideRejection): void {
    this.put({
      rideId: ride.rideId,
      status: 'rejected',
      requestedAt: ride.requestedAt,
      rejectedAt: ride.rejectedAt,
      reason: ride.reason,
      detail: ride.detail,
    });
  }

  private put(status: RideStatus): void {
    this.rides.delete(status.rideId);
    this.rides.set(status.rideId, status);
    if (this.rides.size > this.maxRides) {
      const oldest = this.rides.keys().next();
      if (!oldest.done) this.rides.delete(oldest.value);
    }
  }
}
