export interface RideRequestBody {
  customerId: string;
  customerEmail: string;
  pickup: { lat: number; lng: number };
  dropoff: { lat: number; lng: number };
  passengers: number;
  paymentToken: string;
}

/** A ride inside the default fleet's area (Manhattan → Brooklyn). */
export const rideRequest = (overrides: Partial<RideRequestBody> = {}): RideRequestBody => ({
  customerId: 'cust-e2e',
  customerEmail: 'rider@example.com',
  pickup: { lat: 40.7359, lng: -73.9911 },
  dropoff: { lat: 40.6782, lng: -73.9442 },
  passengers: 1,
  paymentToken: 'tok_visa',
  ...overrides,
});

export const postRide = async (
  ridesUrl: string,
  body: RideRequestBody,
  correlationId?: string,
  headers: Record<string, string> = {},
) => {
  const response = await fetch(`${ridesUrl}/rides`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(correlationId && { 'x-correlation-id': correlationId }),
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
};

export const getJson = async <T = Record<string, unknown>>(
  url: string,
): Promise<{ status: number; body: T }> => {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
};
