import { exampleRideConfirmed, topics } from '@taxi/events';
import type { KafkaClient, Publisher } from '@taxi/kafka';
import { testLogger } from '@taxi/testing';
import { confirmationEmail } from '../domain/compose-email';
import { createSentLedger } from './sent-ledger';

describe('the Kafka sent ledger', () => {
  it('when emails of outcome partition 3 are recorded, then their records are pinned to email_sent partition 3, whatever partition their key hashes to now', async () => {
    const published: { topic: string; count: number; partition?: number }[] = [];
    const publisher: Publisher = {
      publish: async (contract, events, options) =>
        void published.push({
          topic: contract.name,
          count: events.length,
          ...(options?.partition !== undefined && { partition: options.partition }),
        }),
      isReady: () => true,
      disconnect: async () => undefined,
    };
    const ledger = createSentLedger({
      kafka: {} as KafkaClient,
      topics,
      publisher,
      logger: testLogger(),
      window: 10,
    });
    const email = confirmationEmail(
      exampleRideConfirmed({ rideId: '0b6c1c4e-8f43-4a5e-9d2b-0a1c2d3e4f50' }).payload,
      'rides@taxi.example',
      'taxi.example',
    );

    await ledger.recordSent(3, [{ email, correlationId: 'c' }], new Date());

    expect(published).toEqual([{ topic: topics.emailsSent.name, count: 1, partition: 3 }]);
    expect(ledger.status(3, email)).toBe('recorded');
  });
});
