import type { KafkaMessage } from 'kafkajs';
import pino from 'pino';
import { encode, exampleRideRequested, topicsFor } from '@taxi/events';
import { contractsByTopic, decodeInbound } from './inbound';

const contract = topicsFor('').rideRequested;
const byTopic = contractsByTopic([contract]);

const messageOf = (value: Buffer | null): KafkaMessage =>
  ({ key: null, value, offset: '41', timestamp: '0', attributes: 0, headers: {} }) as KafkaMessage;

const valid = () => {
  const encoded = encode(contract, exampleRideRequested());
  if (!encoded.ok) throw new Error(encoded.error.reason);
  return messageOf(encoded.value.value);
};

describe('decodeInbound', () => {
  it('when a valid message is decoded, then no child logger is made until the handler logs', () => {
    const logger = pino({ level: 'silent' });
    const child = jest.spyOn(logger, 'child');

    const inbound = decodeInbound(byTopic, contract.name, 3, valid(), logger);

    expect(inbound.ok).toBe(true);
    expect(child).not.toHaveBeenCalled();
  });

  it('when the handler logs, then the line carries event id, correlation id and source, made once', () => {
    const logger = pino({ level: 'silent' });
    const child = jest.spyOn(logger, 'child');

    const inbound = decodeInbound(byTopic, contract.name, 3, valid(), logger);
    if (!inbound.ok) throw new Error('expected a decoded event');
    const first = inbound.context.logger;
    const second = inbound.context.logger;

    expect(first).toBe(second);
    expect(child).toHaveBeenCalledTimes(1);
    expect(first.bindings()).toEqual({
      eventId: exampleRideRequested().eventId,
      correlationId: exampleRideRequested().correlationId,
      source: `${contract.name}/3@41`,
    });
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
