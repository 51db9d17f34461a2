import MailComposer from 'nodemailer/lib/mail-composer';
import PostalMime from 'postal-mime';
import { exampleRideConfirmed, exampleRideRejected } from '@taxi/events';
import { confirmationEmail, rejectionEmail, type Email } from '../domain/compose-email';
import { BOUNDARY, mimeOf } from './message';

const from = 'Taxi Kafka <rides@taxi-kafka.local>';
const domain = 'taxi-kafka.local';
const at = new Date('2026-11-21T10:00:01.000Z');

/** The same email built by nodemailer's MailComposer, the reference the template must match. */
const nodemailerMime = (email: Email): Promise<Buffer> =>
  new MailComposer({
    from: email.from,
    to: email.to,
    subject: email.subject,
    text: email.text,
    html: email.html,
    messageId: email.messageId,
    date: at,
    headers: { 'X-Ride-Id': email.rideId },
  })
    .compile()
    .build();

/** What a mail client reads of an email. Line breaks as LF: MIME text carries them as CRLF. */
const readByClient = async (mime: string | Buffer) => {
  const parsed = await PostalMime.parse(mime);
  const header = (name: string) => parsed.headers.find((h) => h.key === name)?.value;
  const lf = (text: string | undefined) => text?.replace(/\r\n/g, '\n');
  return {
    from: parsed.from,
    to: parsed.to,
    subject: parsed.subject,
    messageId: parsed.messageId,
    date: parsed.date,
    rideId: header('x-ride-id'),
    text: lf(parsed.text),
    html: lf(parsed.html),
    attachments: parsed.attachments.length,
  };
};

/** The unfolded header fields a sender chooses, by lower-case name, as written (still encoded). */
const writtenHeaders = (mime: string) => {
  const fields = mime.slice(0, mime.indexOf('\r\n\r\n')).replace(/\r\n(?=[ \t])/g, '');
  const byName = new Map(
    fields.split('\r\n').map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const;
    }),
  );
  return ['from', 'to', 'subject', 'message-id', 'x-ride-id'].map((name) => byName.get(name));
};

const confirmation = (driverName: string, overrides: Partial<Email> = {}): Email => ({
  ...confirmationEmail(
    exampleRideConfirmed({ driver: { id: 'drv-1', name: driverName } }).payload,
    from,
    domain,
  ),
  ...overrides,
});

const cases: [string, Email][] = [
  ['an ASCII confirmation', confirmation('Grace Hopper')],
  ['a rejection', rejectionEmail(exampleRideRejected().payload, from, domain)],
  ['a non-ASCII driver name (subject and bodies)', confirmation('Zoë Ñúñez-Łukasiewicz 李小龍')],
  ['a driver name of 128 characters (a long subject, long lines)', confirmation('Ab '.repeat(43))],
  ['a name of 128 letters without a space', confirmation('x'.repeat(128))],
  ['markup in the driver name', confirmation('<b>"Bob" & Co</b>')],
  // nodemailer encodes a broken encoded word (a valid one it takes as encoded already).
  ['a driver name like a broken encoded word', confirmation('Eve =?utf-8?X?Eve?=')],
  ['a non-ASCII sender name', confirmation('Ada', { from: 'Táxi Kafka <rides@taxi-kafka.local>' })],
  ['an address with a display name', confirmation('Ada', { to: 'Ada L <ada@example.com>' })],
  [
    'bodies that contain the boundary, "=", a lone dot and mixed line ends',
    confirmation('Ada', {
      text: `--${BOUNDARY}\r\n=_ =3D 100%\n.\r\nlast line with trailing space `,
      html: `<p>--${BOUNDARY}--</p>\n<p>=</p>`,
    }),
  ],
  [
    'body lines of 76 characters and of 77',
    confirmation('Ada', {
      text: `${'a'.repeat(76)}\n${'b'.repeat(76)}`,
      html: `${'word '.repeat(15)}cc`,
    }),
  ],
  ['a control character in the text', confirmation('Ada', { text: 'bell \u0007 here' })],
  // `Subject: ` and 66, 67 or 68 characters: a header line of 75, 76 or 77.
  ...[66, 67, 68].map((length): [string, Email] => [
    `a subject line of ${length + 9} characters`,
    confirmation('Ada', { subject: `${'Long subject '.repeat(6)}`.slice(0, length) }),
  ]),
  [
    'a line longer than SMTP allows',
    confirmation('Ada', { text: 'y'.repeat(1200), html: `<p>${'z '.repeat(700)}</p>` }),
  ],
];

describe('mimeOf', () => {
  it.each(cases)(
    'when the email has %s, then a mail client reads the same as from nodemailer',
    async (_case, email) => {
      const reference = await readByClient(await nodemailerMime(email));

      const ours = await readByClient(mimeOf(email, at));

      expect(ours).toEqual(reference);
      expect(ours).toMatchObject({ subject: email.subject, rideId: email.rideId, attachments: 0 });
    },
  );

  it.each(cases)(
    'when the email has %s, then its headers are encoded as nodemailer encodes them',
    async (_case, email) => {
      const reference = (await nodemailerMime(email)).toString();

      const ours = mimeOf(email, at);

      expect(writtenHeaders(ours)).toEqual(writtenHeaders(reference));
    },
  );

  it.each(cases)(
    'when the email has %s, then it is 7-bit, in CRLF lines of at most 76 characters',
    (_case, email) => {
      const mime = mimeOf(email, at);

      expect(mime).toMatch(/^[\x20-\x7e\r\n\t]*$/);
      expect(mime.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      // As nodemailer writes them (SMTP allows 998): headers folded at a space where there is
      // one, bodies 7bit only in lines that short; a longer line is one word that cannot fold.
      const long = mime.split('\r\n').filter((line) => line.length > 76);
      for (const line of long) expect(line).toMatch(/^[ \t]?\S+[ \t]?$/);
    },
  );

  it('when the text is not ASCII, then it is sent quoted-printable and the boundary appears only as delimiters', () => {
    const email = confirmation('Zoë', { text: `Zoë --${BOUNDARY}` });

    const mime = mimeOf(email, at);

    expect(mime).toContain('Content-Transfer-Encoding: quoted-printable');
    // The header parameter and the three delimiters; in the body it reads `--=3D_taxi...`.
    expect(mime.split(BOUNDARY)).toHaveLength(5);
  });

  it('when a body has lines of at most 76 characters, then it is sent as it is, else quoted-printable', () => {
    const email = confirmation('Ada', { text: 'a'.repeat(76), html: 'b'.repeat(77) });

    const encodings = mimeOf(email, at).match(/Content-Transfer-Encoding: \S+/g);

    expect(encodings).toEqual([
      'Content-Transfer-Encoding: 7bit',
      'Content-Transfer-Encoding: quoted-printable',
    ]);
  });

  it('when an email is composed at a given time, then its Date header says that time', () => {
    const mime = mimeOf(confirmation('Ada'), at);

    expect(mime).toContain('\r\nDate: Sat, 21 Nov 2026 10:00:01 +0000\r\n');
  });
});
