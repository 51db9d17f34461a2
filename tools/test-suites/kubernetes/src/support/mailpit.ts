import { getJson } from '@taxi/stack-harness';

/** A message as Mailpit's `GET /api/v1/messages` lists it (the fields read here). */
interface MessageSummary {
  MessageID: string;
}

/** One email as the email service names it: Message-ID `<rideId>.<kind>@<domain>`. */
export interface MailpitEmail {
  readonly rideId: string;
  readonly kind: string;
  readonly messageId: string;
}

const parse = ({ MessageID }: MessageSummary): MailpitEmail => {
  const id = MessageID.replace(/^<|>$/g, '');
  const local = id.slice(0, id.lastIndexOf('@'));
  const dot = local.lastIndexOf('.');
  return { rideId: local.slice(0, dot), kind: local.slice(dot + 1), messageId: id };
};

/** Every email Mailpit holds, through its API (`limit`: Mailpit pages by 50 otherwise). */
export const mailpitEmails = async (mailpitUrl: string): Promise<MailpitEmail[]> => {
  const { status, body } = await getJson<{ messages: MessageSummary[] }>(
    `${mailpitUrl}/api/v1/messages?limit=1000000`,
  );
  if (status !== 200) throw new Error(`Mailpit answered ${status}`);
  return body.messages.map(parse);
};
