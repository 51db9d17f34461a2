// A steady stream of realistic ride requests through the rides HTTP API, like the producer loop of
// the classic Kafka taxi tutorial. Mostly rides in the fleet's area paid by card; a few declined
// cards and a few pickups out of the area, so rejections show up too. Ctrl-C stops it.
//
//   RIDES_URL   rides API (default http://localhost:3000)
//   DEMO_RATE   rides per second (default 3)
//   DEMO_LIMIT  stop after this many rides (default: run until stopped)

const ridesUrl = process.env.RIDES_URL ?? 'http://localhost:3000';
const rate = Number(process.env.DEMO_RATE ?? '3');
const limit = Number(process.env.DEMO_LIMIT ?? 'Infinity');

const around = (center: number, spread: number) => center + (Math.random() - 0.5) * 2 * spread;
const chance = (p: number) => Math.random() < p;

const rideRequest = () => {
  const customer = String(1 + Math.floor(Math.random() * 500)).padStart(4, '0');
  const outOfArea = chance(0.03);
  const pickup = outOfArea
    ? { lat: around(51.5072, 0.05), lng: around(-0.1276, 0.05) }
    : { lat: around(40.7306, 0.08), lng: around(-73.9352, 0.08) };
  return {
    customerId: `cust-${customer}`,
    customerEmail: `rider${customer}@example.com`,
    pickup,
    dropoff: { lat: around(pickup.lat, 0.05), lng: around(pickup.lng, 0.05) },
    passengers: 1 + Math.floor(Math.random() * 3),
    paymentToken: chance(0.06)
      ? 'tok_chargeDeclined'
      : chance(0.03)
        ? 'tok_insufficientFunds'
        : 'tok_visa',
  };
};

const send = async (n: number) => {
  const body = rideRequest();
  try {
    const response = await fetch(`${ridesUrl}/rides`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': `demo-${n}` },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as { rideId?: string; error?: string };
    process.stdout.write(`ride #${n} → ${response.status} ${answer.rideId ?? answer.error}\n`);
  } catch (error) {
    process.stdout.write(
      `ride #${n} → rides API not reachable yet (${(error as Error).message})\n`,
    );
  }
};

let sent = 0;
const timer = setInterval(() => {
  if (sent >= limit) {
    clearInterval(timer);
    return;
  }
  sent += 1;
  void send(sent);
}, 1000 / rate);

process.on('SIGINT', () => clearInterval(timer));
process.on('SIGTERM', () => clearInterval(timer));
