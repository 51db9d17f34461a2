import { decode } from '@taxi/events';
import type { TailedMessage } from '@taxi/kafka';
import type { CliContext } from './context';

/**
 * A topic (or consumer group) name as the user typed it, with KAFKA_TOPIC_PREFIX in front when it
 * is set: an environment that shares a cluster prefixes its group ids the same way.
 */
export const topicName = (context: CliContext, name: string): string => {
  const prefix = context.config.KAFKA_TOPIC_PREFIX;
  return name.startsWith(prefix) ? name : `${prefix}${name}`;
};

export interface ShownMessage extends Omit<TailedMessage, 'value'> {
  /** The decoded event, or the raw text when the topic has no contract or it does not decode. */
  readonly event?: unknown;
  readonly raw?: string;
  readonly invalid?: string;
}

/** A consumed message decoded with its topic's contract (libs/events). */
export const decodeMessage = (context: CliContext, message: TailedMessage): ShownMessage => {
  const { value, ...rest } = message;
  const contract = Object.values(context.topics).find((c) => c.name === message.topic);
  if (!contract) return { ...rest, raw: value?.toString() ?? '' };
  const decoded = decode(contract, value);
  return decoded.ok
    ? { ...rest, event: decoded.value }
    : { ...rest, raw: value?.toString() ?? '', invalid: decoded.error.reason };
};

/** `topic[partition]@offset` — where a message sits in Kafka. */
export const position = (m: { topic: string; partition: number; offset: string }) =>
  `${m.topic}[${m.partition}]@${m.offset}`;
