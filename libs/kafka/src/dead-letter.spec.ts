import type { KafkaMessage } from 'kafkajs';
import { deadLetterMessage, DLQ_HEADERS, headerText } from './dead-letter';

const message: KafkaMessage = {
  key: Buffer.from('ride-1'),
  value: Buffer.from('{"not":"valid"'),
  timestamp: '1763719200000',
  attributes: 0,
  offset: '42',
  headers: { 'correlation-id': Buffer.from('corr-1'), 'event-type': Buffer.from('ride.requested') },
};
const source = { topic: 'ride_details', partition: 3, message };
const now = new Date('2026-11-21T10:00:00.000Z');

describe('deadLetterMessage', () => {
  it('when a message is dead-lettered, then its key, value and headers are kept as they were', () => {
    const dead = deadLetterMessage(
      source,
      { kind: 'malformed_json', reason: 'bad', service: 'transaction' },
      now,
    );

    expect(dead.key).toBe(message.key);
    expect(dead.value).toBe(message.value);
    expect(dead.headers).toMatchObject(message.headers ?? {});
  });

  it('when a message is dead-lettered, then every DLQ header says why, from where, by whom and when', () => {
    const dead = deadLetterMessage(
      source,
      { kind: 'processing_failed', reason: 'Error: boom', service: 'email', attempts: 5 },
      now,
    );

    for (const name of Object.values(DLQ_HEADERS)) {
      expect(headerText(dead.headers, name)).toBeDefined();
    }
    const read = (name: keyof typeof DLQ_HEADERS) => headerText(dead.headers, DLQ_HEADERS[name]);
    expect(read('reason')).toBe('Error: boom');
    expect(read('kind')).toBe('processing_failed');
    expect(read('sourceTopic')).toBe('ride_details');
    expect(read('sourcePartition')).toBe('3');
    expect(read('sourceOffset')).toBe('42');
    expect(read('service')).toBe('email');
    expect(read('failedAt')).toBe(now.toISOString());
    expect(read('attempts')).toBe('5');
  });

  it('when no attempts are given, then the attempts header is 0', () => {
    const dead = deadLetterMessage(source, { kind: 'invalid', reason: 'x', service: 'rides' }, now);

    expect(headerText(dead.headers, DLQ_HEADERS.attempts)).toBe('0');
  });

  it('when the reason is very long, then it is cut to its first 1000 characters', () => {
    const reason = 'r'.repeat(600) + 's'.repeat(600);

    const dead = deadLetterMessage(source, { kind: 'invalid', reason, service: 'rides' }, now);

    expect(headerText(dead.headers, DLQ_HEADERS.reason)).toBe(reason.slice(0, 1000));
  });
});
