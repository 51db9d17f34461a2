// What the server sends to the page, over JSON and Server-Sent Events. Shared by both sides, so
// the page and the server cannot disagree on a field name.

export interface Point {
  readonly lat: number;
  readonly lng: number;
}

export interface ServiceArea {
  readonly center: Point;
  readonly radiusKm: number;
}

/** One step of a booked ride, as it happens. */
export type RideUpdate =
  | { readonly rideId: string; readonly status: 'requested'; readonly at: string }
  | {
      readonly rideId: string;
      readonly status: 'confirmed';
      readonly at: string;
      readonly driver: string;
      readonly vehicle: string;
      readonly etaSeconds: number;
      readonly fare: { readonly amount: number; readonly currency: string };
    }
  | {
      readonly rideId: string;
      readonly status: 'rejected';
      readonly at: string;
      readonly reason: string;
      readonly detail: string;
    }
  | {
      readonly rideId: string;
      readonly status: 'emailed';
      readonly at: string;
      readonly kind: 'confirmation' | 'rejection';
    };

export interface RecentEvent {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly type: string;
  readonly rideId: string;
  readonly at: string;
}

export interface DriverMarker extends Point {
  readonly id: string;
}

export interface OperationsView {
  readonly at: string;
  /** Records per second over the last few seconds, by topic. */
  readonly ratePerSecond: Readonly<Record<string, number>>;
  readonly outcomes: {
    readonly confirmed: number;
    readonly rejected: number;
    readonly rejectionsByReason: Readonly<Record<string, number>>;
  };
  readonly lag: readonly {
    readonly groupId: string;
    readonly topic: string;
    readonly partition: number;
    readonly lag: number;
  }[];
  /** From transaction's fleet state: every driver of the shards it has reported so far. */
  readonly drivers: {
    readonly busy: readonly DriverMarker[];
    readonly free: readonly DriverMarker[];
    /** Shards (`ride_details` partitions) whose snapshot has been read, of how many. */
    readonly shards: { readonly reported: number; readonly total: number };
  };
  readonly recent: readonly RecentEvent[];
}

/** The API's answer to a bad request: one message per field, as the rides API names them. */
export interface FieldErrors {
  readonly error: string;
  readonly message: string;
  readonly fields?: readonly { readonly field: string; readonly message: string }[];
}
