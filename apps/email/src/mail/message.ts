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
