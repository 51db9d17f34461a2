import MailComposer from 'nodemailer/lib/mail-composer';
import type { Email } from '../domain/compose-email';

/** The nodemailer message for an email. */
export const toMessage = (email: Email) => ({
  from: email.from,
  to: email.to,
  subject: email.subject,
  text: email.text,
  html: email.html,
  messageId: email.messageId,
  headers: { 'X-Ride-Id': email.rideId },
});

/**
 * The email as one MIME buffer (nodemailer builds it). Handed to SMTP whole, it leaves in a few
 * socket writes; built by the transport, it streamed out one write per small MIME chunk, which
 * cost more CPU than building it.
 */
export const mimeOf = (email: Email): Promise<Buffer> =>
  new MailComposer(toMessage(email)).compile().build();
