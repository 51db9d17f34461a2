import type { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { decode, type EventOf, type TopicContract } from '@taxi/events';
import type { DeadLetterReason } from './dead-letter';

export interface MessageContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /**
   * The service logger with event id, correlation id and source position bound. Made on first
   * use: most messages log nothing at the configured level, and a child logger per message is
   * a measurable share of a consumer's CPU at thousands of messages per second.
   */
  readonly logger: Logger;
}

export type Inbound<Contract extends TopicContract> =
  | { ok: true; contract: Contract; event: EventOf<Contract>; context: MessageContext }
  | { ok: false; why: Omit<DeadLetterReason, 'service'> };

export const contractsByTopic = <Contract extends TopicContract>(contracts: readonly Contract[]) =>
  new Map(contracts.map((contract) => [contract.name, contract]));

/** Decodes one consumed message against its topic's contract, or says why it is poison. */
export const decodeInbound = <Contract extends TopicContract>(
  byTopic: ReadonlyMap<string, Contract>,
  topic: string,
  partition: number,
  message: KafkaMessage,
  logger: Logger,
): Inbound<Contract> => {
  const contract = byTopic.get(topic);
  if (!contract)
    return { ok: false, why: { kind: 'unknown_topic', reason: `no contract for ${topic}` } };
  const decoded = decode(contract, message.value);
  if (!decoded.ok)
    return { ok: false, why: { kind: decoded.error.kind, reason: decoded.error.reason } };
  const event = decoded.value as EventOf<Contract> & { eventId: string; correlationId: string };
  let child: Logger | undefined;
  return {
    ok: true,
    contract,
    event,
    context: {
      topic,
      partition,
      offset: message.offset,
      get logger() {
        child ??= logger.child({
          eventId: event.eventId,
          correlationId: event.correlationId,
          source: `${topic}/${partition}@${message.offset}`,
        });
        return child;
      },
    },
  };
};

export const nextOffset = (offset: string): string => (BigInt(offset) + 1n).toString();
