import { foldLines } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import { encode as quotedPrintable, wrap as wrapQuotedPrintable } from 'nodemailer/lib/qp';
import type { Email } from '../domain/compose-email';

/**
 * The one boundary of every email. `=_` cannot occur in a quoted-printable body (an `=` there is
 * always followed by two hex digits or a line break), and a body sent as it is never contains it
 * (else it goes quoted-printable): so it cannot collide with a body, and needs no randomness.
 */
export const BOUNDARY = '=_taxi-kafka-alternative';

const LINE_LENGTH = 76;
// Only these go out as they are (printable ASCII but the quote, which nodemailer encodes too);
// anything else is encoded by nodemailer's own header encoder.
const AS_IS_TEXT = /^[\x20\x21\x23-\x7e]*$/;
const PLAIN_ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$/;
const LINE_BREAKS = /\r\n|\r|\n/g;

// nodemailer's foldLines returns a line shorter than the limit as it is: most headers are.
const header = (key: string, value: string): string => {
  const line = `${key}: ${value}`;
  return line.length < LINE_LENGTH ? line : foldLines(line, LINE_LENGTH);
};

// Text with `=?` goes through nodemailer too: it encodes what a mail client could misread as an
// encoded word (and, like nodemailer, passes a valid encoded word through).
const textHeader = (key: string, value: string): string =>
  header(
    key,
    AS_IS_TEXT.test(value) && !value.includes('=?')
      ? value
      : MimeNode.encodeHeaderValue(key, value),
  );

const addressHeader = (key: string, value: string): string =>
  header(key, PLAIN_ADDRESS.test(value) ? value : MimeNode.encodeHeaderValue(key, value));

// The sender is the same on every email: its header is encoded once.
const encodedFrom = new Map<string, string>();
const fromHeader = (from: string): string => {
  let line = encodedFrom.get(from);
  if (line === undefined) {
    line = addressHeader('From', from);
    encodedFrom.set(from, line);
  }
  return line;
};

/** LF, CRLF and a lone CR as CRLF; the bodies we compose have LF only. */
const crlf = (body: string): string =>
  body.includes('\r') ? body.replace(LINE_BREAKS, '\r\n') : body.replaceAll('\n', '\r\n');

/**
 * Whether CRLF-ended lines can go as they are (7bit), as nodemailer decides: plain text by its
 * `isPlainText` (tab, line breaks and 0x20-0x7f), no line longer than 76 characters; and, ours,
 * no boundary. One pass over the characters: the two regular expressions it replaces were about
 * half of building the message (the long-line one, `^.{77,}` in multiline mode, most of it).
 */
const sendsAsIs = (lines: string): boolean => {
  let lineLength = 0;
  for (let i = 0; i < lines.length; i += 1) {
    const code = lines.charCodeAt(i);
    if (code === 0x0d || code === 0x0a) lineLength = 0;
    else if ((code < 0x20 && code !== 0x09) || code > 0x7f) return false;
    else if (++lineLength > LINE_LENGTH) return false;
  }
  return !lines.includes(BOUNDARY);
};

/**
 * A body part, its line breaks as CRLF: sent as it is (7bit) when it is printable ASCII in short
 * lines, as nodemailer does; quoted-printable otherwise (non-ASCII text, long lines, the boundary).
 */
const part = (contentType: string, body: string): string => {
  const lines = crlf(body);
  return sendsAsIs(lines)
    ? `Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${lines}`
    : `Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${wrapQuotedPrintable(quotedPrintable(lines), LINE_LENGTH)}`;
};

/** RFC 5322 date, as nodemailer writes it; the same for every email of a second, so kept. */
let lastDate = { second: Number.NaN, header: '' };
const dateHeader = (date: Date): string => {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastDate.second)
    lastDate = { second, header: `Date: ${date.toUTCString().replace('GMT', '+0000')}` };
  return lastDate.header;
};

/**
 * The email as one MIME message (multipart/alternative: text, then HTML; CRLF line ends), filled
 * into a fixed template instead of nodemailer's MailComposer, whose tree of MIME nodes and streams
 * cost more CPU than the rest of the service (decision 018). Free text is encoded by nodemailer's
 * own functions: headers as RFC 2047 encoded words, bodies as quoted-printable.
 */
export const mimeOf = (email: Email, date: Date = new Date()): string =>
  [
    fromHeader(email.from),
    addressHeader('To', email.to),
    textHeader('Subject', email.subject),
    textHeader('Message-ID', email.messageId),
    dateHeader(date),
    textHeader('X-Ride-Id', email.rideId),
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${BOUNDARY}"`,
    '',
    `--${BOUNDARY}`,
    part('text/plain', email.text),
    `--${BOUNDARY}`,
    part('text/html', email.html),
    `--${BOUNDARY}--`,
    '',
  ].join('\r\n');
