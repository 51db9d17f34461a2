import type { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { decode, type EventOf, type TopicContract } from '@taxi/events';
import type { DeadLetterReason } from './dead-letter';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** What a handler logs a message's lines with: the service logger's level methods. */
export type MessageLogger = Pick<Logger, Level>;

/**
 * The service logger with a message's fields (event id, correlation id, source position) added
 * to each line it writes. Not a pino child per message: a child serializes and redacts its
 * bindings when it is made, and at thousands of messages per second that cost more than the
 * lines themselves, most of which are never written (info lines are sampled, ADR 036; debug is
 * off). The lines read as a child's would.
 */
class BoundLogger implements MessageLogger {
  private child: Logger | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly bindings: () => Record<string, unknown>,
  ) {}

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }

  private write(level: Level, [first, ...rest]: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const log = this.logger[level] as (...args: unknown[]) => void;
    if (first instanceof Error) {
      // pino words a bare error itself (its message becomes the line's): leave that to a child.
      this.child ??= this.logger.child(this.bindings());
      (this.child[level] as (...args: unknown[]) => void)(first, ...rest);
    } else if (typeof first === 'object' && first !== null) {
      log.call(this.logger, { ...this.bindings(), ...first }, ...rest);
    } else {
      log.call(this.logger, this.bindings(), first, ...rest);
    }
  }
}

export interface MessageContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /**
   * The record's Kafka timestamp, in ms since the epoch: when its producer sent it (CreateTime),
   * unless the topic has the broker stamp it on append. How long it waited, for a latency metric.
   */
  readonly timestampMs: number;
  /** The service logger, each line with event id, correlation id and source position. */
  readonly logger: MessageLogger;
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
  let bound: MessageLogger | undefined;
  return {
    ok: true,
    contract,
    event,
    context: {
      topic,
      partition,
      offset: message.offset,
      timestampMs: Number(message.timestamp),
      get logger() {
        bound ??= new BoundLogger(logger, () => ({
          eventId: event.eventId,
          correlationId: event.correlationId,
          source: `${topic}/${partition}@${message.offset}`,
        }));
        return bound;
      },
    },
  };
};

export const nextOffset = (offset: string): string => (BigInt(offset) + 1n).toString();
