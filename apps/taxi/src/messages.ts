import { decode } from '@taxi/events';
import type { KafkaRecord } from '@taxi/kafka';
import type { CliContext } from './context';

/**
 * A topic (or consumer group) name as the user typed it, with KAFKA_TOPIC_PREFIX in front when it
 * is set: an environment that shares a cluster prefixes its group ids the same way.
 */
export const topicName = (context: CliContext, name: string): string => {
  const prefix = context.config.KAFKA_TOPIC_PREFIX;
  return name.startsWith(prefix) ? name : `${prefix}${name}`;
};

export interface ShownMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** The decoded event, or the raw text when the topic has no contract or it does not decode. */
  readonly event?: unknown;
  readonly raw?: string;
  readonly invalid?: string;
}

/** A record as read, its key and headers as text, decoded with its topic's contract (libs/events). */
export const decodeMessage = (context: CliContext, record: KafkaRecord): ShownMessage => {
  const { value, key, headers, ...position } = record;
  const rest = {
    ...position,
    key: key?.toString() ?? null,
    headers: Object.fromEntries(Object.entries(headers).map(([name, v]) => [name, v.toString()])),
  };
  const contract = Object.values(context.topics).find((c) => c.name === record.topic);
  if (!contract) return { ...rest, raw: value?.toString() ?? '' };
  const decoded = decode(contract, value);
  return decoded.ok
    ? { ...rest, event: decoded.value }
    : { ...rest, raw: value?.toString() ?? '', invalid: decoded.error.reason };
};

/** `topic[partition]@offset` — where a message sits in Kafka. */
export const position = (m: { topic: string; partition: number; offset: string }) =>
  `${m.topic}[${m.partition}]@${m.offset}`;
