import { inClientSpan } from '@taxi/service-kit';
import type { Mailer } from '../domain/send-ride-emails';

/**
 * A span for each email handed to the mail server ("smtp send") or written to the outbox
 * ("outbox write"), a child of the processing of the ride outcome that asked for it. Without
 * tracing, `inClientSpan` runs the send directly.
 */
export const tracedMailer = <M extends Mailer>(mailer: M, smtpUrl: string | undefined): M => {
  const server = smtpUrl === undefined ? undefined : new URL(smtpUrl);
  const name = server ? 'smtp send' : 'outbox write';
  const serverAttributes = server
    ? { 'server.address': server.hostname, 'server.port': Number(server.port || 25) }
    : {};
  return {
    ...mailer,
    send: (email) =>
      inClientSpan(
        name,
        { ...serverAttributes, 'taxi.ride.id': email.rideId, 'taxi.email.kind': email.kind },
        () => mailer.send(email),
      ),
  };
};
