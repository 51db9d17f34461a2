import { z } from 'zod';
import {
  contractExamples,
  contractVersions,
  deadLetterRoles,
  topicRoles,
  topics,
  type ContractVersion,
  type TopicKey,
  type TopicRoles,
  type TopicSettings,
} from '@taxi/events';
import { DLQ_HEADERS, REDRIVEN_FOR_HEADER } from '@taxi/kafka';
import { publishedVersions, SCHEMAS_DIR } from './published';

// docs/asyncapi.yaml, made from libs/events: one channel per topic (and per dead-letter topic),
// with its partitions, settings, key and the JSON Schema of its events, and one send/receive
// operation per service that writes/reads it (libs/events topic-roles.ts).

const KAFKA_BINDING = '0.5.0';
const text = (description: string) => ({ type: 'string', description });

/** Headers every event carries (libs/events codec.ts `encode`). */
const eventHeaders = {
  type: 'object',
  properties: {
    'event-type': text('The envelope `type`, e.g. `ride.requested`'),
    'event-id': text('The envelope `eventId` (UUID)'),
    'correlation-id': text('Follows one customer request through every service'),
    'content-type': { type: 'string', const: 'application/json' },
    [REDRIVEN_FOR_HEADER]: text(
      'Set by the re-drive: only this service processes the message again',
    ),
  },
  required: ['event-type', 'event-id', 'correlation-id', 'content-type'],
};

const deadLetterHeaders = {
  type: 'object',
  description: 'The original headers, plus why, from where, by whom and when',
  properties: {
    ...eventHeaders.properties,
    [DLQ_HEADERS.reason]: text('One line: why the message could not be processed'),
    [DLQ_HEADERS.kind]: text('`malformed_json`, `invalid`, `processing_failed`, ...'),
    [DLQ_HEADERS.sourceTopic]: text('Where it came from; the re-drive sends it back there'),
    [DLQ_HEADERS.sourcePartition]: text('Partition it was read from'),
    [DLQ_HEADERS.sourceOffset]: text('Offset it was read from'),
    [DLQ_HEADERS.service]: text('The service that gave up on it'),
    [DLQ_HEADERS.failedAt]: text('When (ISO time)'),
    [DLQ_HEADERS.attempts]: text('Processing attempts before giving up'),
  },
  required: Object.values(DLQ_HEADERS),
};

/** The Kafka binding's topic settings, from the topic's configs (numbers as numbers). */
const topicConfiguration = (config: Readonly<Record<string, string>>) =>
  Object.fromEntries(
    Object.entries(config).map(([name, value]) => [
      name,
      name === 'cleanup.policy' ? value.split(',') : Number(value),
    ]),
  );

const channel = (
  settings: TopicSettings,
  messageId: string,
  roles: TopicRoles,
  summary: string,
) => ({
  address: settings.name,
  description: `${summary} Key: ${roles.key}. Written by ${roles.senders.join(', ')}; read by ${roles.receivers.join(', ')}.`,
  messages: { [messageId]: { $ref: `#/components/messages/${messageId}` } },
  bindings: {
    kafka: {
      topic: settings.name,
      partitions: settings.partitions,
      topicConfiguration: topicConfiguration(settings.config),
      bindingVersion: KAFKA_BINDING,
    },
  },
});

const operationsOf = (
  channelId: string,
  messageId: string,
  roles: TopicRoles,
): [string, unknown][] =>
  (['send', 'receive'] as const).flatMap((action) =>
    (action === 'send' ? roles.senders : roles.receivers).map((service): [string, unknown] => [
      `${service.split(' ')[0]}.${action}.${channelId}`,
      {
        action,
        title: `${service} ${action === 'send' ? 'writes' : 'reads'} ${channelId}`,
        channel: { $ref: `#/channels/${channelId}` },
        messages: [{ $ref: `#/channels/${channelId}/messages/${messageId}` }],
      },
    ]),
  );

/** Which contract version a message is, and where every published version is (ADR 040). */
const versionNote = (key: TopicKey, name: string, published: readonly ContractVersion[]) =>
  `Contract version ${contractVersions[key]} (\`schemaVersion\` ${contractVersions[key].split('.')[0]}). ` +
  `Published versions, frozen with their examples in ${SCHEMAS_DIR}/${name}/: ` +
  `${published.join(', ') || 'none yet'}. Writers write exactly this schema (plus fields carried ` +
  `over from newer messages); readers ignore fields they do not know (docs/decisions/040).`;

/** The AsyncAPI 3.0 document of every topic, as a plain object (ready for YAML). */
export const asyncApiDocument = (
  version: string,
  published: (topic: string) => ContractVersion[] = publishedVersions,
) => {
  const channels: Record<string, unknown> = {};
  const operations: [string, unknown][] = [];
  const messages: Record<string, unknown> = {};
  for (const [topicKey, contract] of Object.entries(topics)) {
    const roles = topicRoles[topicKey as keyof typeof topicRoles];
    const schema = z.toJSONSchema(contract.schema, { target: 'draft-7', io: 'input' });
    const type = (schema as { properties?: { type?: { const?: string } } }).properties?.type?.const;
    const dlqId = `${contract.name}.dlq`;
    channels[contract.name] = channel(contract, topicKey, roles, `Events of type \`${type}\`.`);
    channels[dlqId] = channel(
      contract.deadLetter,
      `${topicKey}DeadLetter`,
      deadLetterRoles,
      `Messages from ${contract.name} that could not be processed, as they were (maybe not valid JSON).`,
    );
    operations.push(...operationsOf(contract.name, topicKey, roles));
    operations.push(...operationsOf(dlqId, `${topicKey}DeadLetter`, deadLetterRoles));
    messages[topicKey] = {
      name: type,
      title: `${type} event, version ${contractVersions[topicKey as TopicKey]}`,
      description: versionNote(topicKey as TopicKey, contract.name, published(contract.name)),
      contentType: 'application/json',
      headers: eventHeaders,
      payload: schema,
      examples: Object.entries(contractExamples[topicKey as TopicKey]).map(([name, payload]) => ({
        name,
        payload,
      })),
      bindings: { kafka: { key: text(roles.key), bindingVersion: KAFKA_BINDING } },
    };
    messages[`${topicKey}DeadLetter`] = {
      name: `${contract.name} dead letter`,
      contentType: 'application/octet-stream',
      headers: deadLetterHeaders,
      payload: { description: `The original bytes of a ${contract.name} message` },
      bindings: { kafka: { key: text(deadLetterRoles.key), bindingVersion: KAFKA_BINDING } },
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'taxi-kafka events',
      version,
      description:
        'Every Kafka topic of taxi-kafka, generated from libs/events by `npm run contracts`. ' +
        'Events travel in a versioned envelope (eventId, type, schemaVersion, occurredAt, ' +
        'correlationId, payload). Topic names get KAFKA_TOPIC_PREFIX in front when it is set.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'npm run kafka:start' },
    },
    channels,
    operations: Object.fromEntries(operations),
    components: { messages },
  };
};
