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
/** What the store keeps per ride: its status, and what was asked for (to check idempotency keys). */
export type StoredRide = RideStatus & { fingerprint?: string | undefined };

export class RideStatusStore {
  private readonly rides = new Map<string, StoredRide>();

  constructor(private readonly maxRides: number) {}

  get(rideId: string): StoredRide | undefined {
    return this.rides.get(rideId);
  }

  /** The status as answered to clients (without internal fields). */
  status(rideId: string): RideStatus | undefined {
    const stored = this.rides.get(rideId);
    if (!stored) return undefined;
    const { fingerprint: _fingerprint, ...status } = stored;
    return status;
  }

  get size(): number {
    return this.rides.size;
  }

  requested(rideId: string, requestedAt: string, fingerprint: string): void {
    const known = this.rides.get(rideId);
    if (!known) this.put({ rideId, status: 'requested', requestedAt, fingerprint });
    else if (known.fingerprint === undefined) known.fingerprint = fingerprint;
  }

  confirmed(ride: RideConfirmation): void {
    this.put({
      fingerprint: this.rides.get(ride.rideId)?.fingerprint,
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
      fingerprint: this.rides.get(ride.rideId)?.fingerprint,
      rideId: ride.rideId,
      status: 'rejected',
      requestedAt: ride.requestedAt,
      rejectedAt: ride.rejectedAt,
      reason: ride.reason,
      detail: ride.detail,
    });
  }

  private put(status: StoredRide): void {
    this.rides.delete(status.rideId);
    this.rides.set(status.rideId, status);
    if (this.rides.size > this.maxRides) {
      const oldest = this.rides.keys().next();
      if (!oldest.done) this.rides.delete(oldest.value);
    }
  }
}
