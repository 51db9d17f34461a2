import {
  exampleRideConfirmed,
  exampleRideRejected,
  rideConfirmationSchema,
  validate,
} from '@taxi/events';
import { confirmationEmail, rejectionEmail } from './compose-email';

const from = 'Taxi <rides@taxi.example>';
const domain = 'taxi.example';
const otherRideId = '5e0c7a9d-1f3b-4c2a-8e6d-9b0a1c2d3e4f';

describe('confirmationEmail', () => {
  it('when a ride is confirmed, then the email tells the customer who comes, in what, when and for how much', () => {
    const ride = exampleRideConfirmed({
      driver: { id: 'drv-1', name: 'Grace Hopper' },
      vehicle: { make: 'Toyota', model: 'Prius', color: 'white', plate: 'TX-1234' },
      pickupEta: { seconds: 240, at: '2026-11-21T10:04:00.000Z' },
      fare: { amount: 2140, currency: 'USD' },
    }).payload;

    const email = confirmationEmail(ride, from, domain);

    expect(email).toMatchObject({ to: ride.customerEmail, from, kind: 'confirmation' });
    expect(email.subject).toContain('Grace Hopper');
    for (const body of [email.text, email.html]) {
      expect(body).toContain('Grace Hopper');
      expect(body).toContain('TX-1234');
      expect(body).toContain('$21.40'); // 2140 cents
      expect(body).toContain('4 min'); // 240 s
      expect(body).toContain(ride.rideId);
    }
  });

  it('when the driver is less than a minute away, then the email says about 1 min, never 0', () => {
    const ride = exampleRideConfirmed({
      pickupEta: { seconds: 20, at: '2026-11-21T10:00:20.000Z' },
    }).payload;

    const email = confirmationEmail(ride, from, domain);

    expect(email.text).toContain('about 1 min');
    expect(email.text).not.toContain('0 min');
  });

  it('when the driver name contains markup, then the HTML shows it escaped and the text as is', () => {
    const name = '<script>alert("hi")</script> & Co';
    const ride = exampleRideConfirmed({ driver: { id: 'drv-1', name } }).payload;

    const email = confirmationEmail(ride, from, domain);

    expect(validate(rideConfirmationSchema, ride)).toMatchObject({ ok: true });
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('"hi"');
    expect(email.html).toContain('&#60;script&#62;alert(&#34;hi&#34;)&#60;/script&#62; &#38; Co');
    expect(email.text).toContain(name);
  });
});

describe('rejectionEmail', () => {
  it.each([
    ['payment_declined', 'card declined by issuer', /payment was declined/],
    ['no_driver_available', 'no driver is free near the pickup point', /no driver is available/],
  ] as const)(
    'when the ride was rejected for %s, then the email explains that reason and its detail',
    (reason, detail, explanation) => {
      const ride = exampleRideRejected({ reason, detail }).payload;

      const email = rejectionEmail(ride, from, domain);

      expect(email).toMatchObject({ to: ride.customerEmail, from, kind: 'rejection' });
      for (const body of [email.text, email.html]) {
        expect(body).toMatch(explanation);
        expect(body).toContain(detail);
        expect(body).toContain(ride.rideId);
        expect(body).toContain('not been charged');
      }
    },
  );
});

describe('line length', () => {
  it('when ride emails are composed from usual values, then no body line is longer than 76 characters, so they go out unencoded', () => {
    const emails = [
      confirmationEmail(exampleRideConfirmed().payload, from, domain),
      rejectionEmail(exampleRideRejected({ reason: 'payment_declined' }).payload, from, domain),
      rejectionEmail(
        exampleRideRejected({
          reason: 'no_driver_available',
          detail: 'no driver is free near the pickup point',
        }).payload,
        from,
        domain,
      ),
    ];

    const lines = emails.flatMap((email) => [...email.text.split('\n'), ...email.html.split('\n')]);

    expect(lines.filter((line) => line.length > 76)).toEqual([]);
  });
});

describe('Message-ID', () => {
  it('when the same ride email is composed twice, then both carry the same Message-ID', () => {
    const ride = exampleRideConfirmed().payload;

    const first = confirmationEmail(ride, from, domain);
    const again = confirmationEmail(ride, from, domain);

    expect(again.messageId).toBe(first.messageId);
    expect(first.messageId).toMatch(/^<[^<>@\s]+@taxi\.example>$/);
  });

  it('when the kind or the ride differs, then the Message-ID differs', () => {
    const confirmation = confirmationEmail(exampleRideConfirmed().payload, from, domain);
    const rejection = rejectionEmail(exampleRideRejected().payload, from, domain);
    const otherRide = confirmationEmail(
      exampleRideConfirmed({ rideId: otherRideId }).payload,
      from,
      domain,
    );

    expect(confirmation.rideId).toBe(rejection.rideId);
    expect(new Set([confirmation, rejection, otherRide].map((e) => e.messageId)).size).toBe(3);
  });
});
