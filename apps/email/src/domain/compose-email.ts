import type { RideConfirmation, RideRejection } from '@taxi/events';

export interface Email {
  readonly to: string;
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Derived from the ride: a re-sent email carries the same id, so mail systems can collapse it. */
  readonly messageId: string;
  readonly rideId: string;
  readonly kind: 'confirmation' | 'rejection';
}

const HTML_SPECIAL = /[&<>"']/;
const HTML_SPECIALS = /[&<>"']/g;

// Most values hold nothing to escape: testing first spares a copy of each.
const escapeHtml = (value: string): string =>
  HTML_SPECIAL.test(value)
    ? value.replace(HTML_SPECIALS, (char) => `&#${char.charCodeAt(0)};`)
    : value;

// Building an Intl.NumberFormat costs more than composing the rest of the email: one per currency.
const moneyFormats = new Map<string, Intl.NumberFormat>();

export const formatMoney = ({ amount, currency }: { amount: number; currency: string }): string => {
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    moneyFormats.set(currency, format);
  }
  return format.format(amount / 100);
};

/** `2026-11-21 10:00:01 UTC`, from any ISO time (an offset is converted to UTC). */
const formatTime = (iso: string): string => {
  // YYYY-MM-DDTHH:mm:ss.sssZ: the contract's date-times have four-digit years.
  const utc = new Date(iso).toISOString();
  return `${utc.slice(0, 10)} ${utc.slice(11, 19)} UTC`;
};

export const messageIdFor = (rideId: string, kind: Email['kind'], domain: string) =>
  `<${rideId}.${kind}@${domain}>`;

// Lines of at most 76 characters where the values allow: such a body is sent as it is, a longer
// line makes the whole body quoted-printable, which costs more to build than the rest of the email.
const htmlPage = (title: string, rows: readonly (readonly [string, string])[], footer: string) =>
  [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2>${escapeHtml(title)}</h2>`,
    '<table cellpadding="4">',
    ...rows.map(
      ([label, value]) =>
        `<tr><th align="left">${escapeHtml(label)}</th>\n<td>${escapeHtml(value)}</td></tr>`,
    ),
    '</table>',
    '<p style="color:#666">',
    escapeHtml(footer),
    '</p>',
    '</body></html>',
  ].join('\n');

const textPage = (title: string, rows: readonly (readonly [string, string])[], footer: string) =>
  [title, '', ...rows.map(([label, value]) => `${label}: ${value}`), '', footer].join('\n');

export const confirmationEmail = (ride: RideConfirmation, from: string, domain: string): Email => {
  const { driver, vehicle } = ride;
  const title = 'Your ride is confirmed';
  const rows = [
    ['Driver', driver.name],
    ['Vehicle', `${vehicle.color} ${vehicle.make} ${vehicle.model}, plate ${vehicle.plate}`],
    [
      'Pickup',
      `in about ${Math.max(1, Math.round(ride.pickupEta.seconds / 60))} min (${formatTime(ride.pickupEta.at)})`,
    ],
    ['Fare', formatMoney(ride.fare)],
    ['Distance', `${ride.distanceKm.toFixed(1)} km`],
    ['Ride id', ride.rideId],
  ] as const;
  const footer = 'The fare is authorized on your card and charged at the end of the ride.';
  return {
    to: ride.customerEmail,
    from,
    subject: `Ride confirmed: ${driver.name} arrives in about ${Math.max(1, Math.round(ride.pickupEta.seconds / 60))} min`,
    text: textPage(title, rows, footer),
    html: htmlPage(title, rows, footer),
    messageId: messageIdFor(ride.rideId, 'confirmation', domain),
    rideId: ride.rideId,
    kind: 'confirmation',
  };
};

const REASONS: Record<RideRejection['reason'], string> = {
  payment_declined: 'your payment was declined',
  no_driver_available: 'no driver is available near your pickup point',
};

export const rejectionEmail = (ride: RideRejection, from: string, domain: string): Email => {
  const title = 'We could not book your ride';
  const rows = [
    ['Reason', REASONS[ride.reason]],
    ['Detail', ride.detail],
    ['Requested at', formatTime(ride.requestedAt)],
    ['Ride id', ride.rideId],
  ] as const;
  const footer = 'You have not been charged. Please try again or use another payment method.';
  return {
    to: ride.customerEmail,
    from,
    subject: 'Your ride could not be booked',
    text: textPage(title, rows, footer),
    html: htmlPage(title, rows, footer),
    messageId: messageIdFor(ride.rideId, 'rejection', domain),
    rideId: ride.rideId,
    kind: 'rejection',
  };
};
