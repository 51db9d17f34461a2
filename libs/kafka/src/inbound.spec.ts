import type { KafkaMessage } from 'kafkajs';
import pino from 'pino';
import { encode, exampleRideRequested, topicsFor } from '@taxi/events';
import { contractsByTopic, decodeInbound } from './inbound';

const contract = topicsFor('').rideRequested;
const byTopic = contractsByTopic([contract]);

const SENT_MS = Date.parse('2026-11-21T10:00:00.120Z');
const messageOf = (value: Buffer | null): KafkaMessage =>
  ({
    key: null,
    value,
    offset: '41',
    timestamp: String(SENT_MS),
    attributes: 0,
    headers: {},
  }) as KafkaMessage;

const valid = () => {
  const encoded = encode(contract, exampleRideRequested());
  if (!encoded.ok) throw new Error(encoded.error.reason);
  return messageOf(encoded.value.value);
};

describe('decodeInbound', () => {
  it('when a valid message is decoded, then no logger is made for it', () => {
    const logger = pino({ level: 'silent' });
    const child = jest.spyOn(logger, 'child');

    const inbound = decodeInbound(byTopic, contract.name, 3, valid(), logger);

    expect(inbound.ok).toBe(true);
    expect(child).not.toHaveBeenCalled();
  });

  it('when a valid message is decoded, then its context carries the record timestamp in ms, for a latency metric', () => {
    const inbound = decodeInbound(byTopic, contract.name, 3, valid(), pino({ level: 'silent' }));

    expect(inbound.ok && inbound.context.timestampMs).toBe(SENT_MS);
  });

  it('when the handler logs, then the line carries event id, correlation id and source, and no child logger is made', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    );
    const child = jest.spyOn(logger, 'child');

    const inbound = decodeInbound(byTopic, contract.name, 3, valid(), logger);
    if (!inbound.ok) throw new Error('expected a decoded event');
    inbound.context.logger.info({ rideId: 'r-1' }, 'ride confirmed');
    inbound.context.logger.warn('no fields, %s', 'formatted');
    inbound.context.logger.debug({ rideId: 'r-1' }, 'below the level');

    expect(child).not.toHaveBeenCalled();
    const fields = {
      eventId: exampleRideRequested().eventId,
      correlationId: exampleRideRequested().correlationId,
      source: `${contract.name}/3@41`,
    };
    expect(lines).toEqual([
      expect.objectContaining({ ...fields, rideId: 'r-1', msg: 'ride confirmed', level: 30 }),
      expect.objectContaining({ ...fields, msg: 'no fields, formatted', level: 40 }),
    ]);
  });

  it('when the handler logs an error by itself, then the line reads as pino words an error, with the fields', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    );

    const inbound = decodeInbound(byTopic, contract.name, 3, valid(), logger);
    if (!inbound.ok) throw new Error('expected a decoded event');
    inbound.context.logger.error(new Error('broken'));

    expect(lines).toEqual([
      expect.objectContaining({
        correlationId: exampleRideRequested().correlationId,
        msg: 'broken',
        err: expect.objectContaining({ message: 'broken' }),
      }),
    ]);
  });

  it('when a message is not valid JSON, then it says why (malformed_json)', () => {
    const inbound = decodeInbound(
      byTopic,
      contract.name,
      0,
      messageOf(Buffer.from('{not json')),
      pino({ level: 'silent' }),
    );

    expect(inbound).toMatchObject({ ok: false, why: { kind: 'malformed_json' } });
  });
});
