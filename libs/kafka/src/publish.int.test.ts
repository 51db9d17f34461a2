import {
  decode,
  exampleRideConfirmed,
  exampleRideRejected,
  topics,
  type TopicContract,
} from '@taxi/events';
import { freshRideRequested, testLogger } from '@taxi/testing';
import type { KafkaClient } from './connect';
import { createPublisher, type Publisher } from './publish';
import { collect, isolatedContract, testKafka, type Collector } from './testing';

describe('publisher → broker → reader', () => {
  let kafka: KafkaClient;
  let publisher: Publisher;
  const collectors: Collector[] = [];

  beforeEach(async () => {
    kafka = testKafka();
    publisher = await createPublisher({ kafka, logger: testLogger() });
  });

  afterEach(async () => {
    await Promise.all(collectors.splice(0).map((c) => c.stop()));
    await publisher.disconnect();
  });

  it.each([
    ['ride.requested', topics.rideRequested, () => freshRideRequested()],
    ['ride.confirmed', topics.rideConfirmed, () => exampleRideConfirmed()],
    ['ride.rejected', topics.rideRejected, () => exampleRideRejected()],
  ] as const)(
    'when a %s event is published, then a reader decodes the same event keyed by ride id',
    async (_, template, makeEvent) => {
      const contract: TopicContract = await isolatedContract(kafka, template);
      const event = makeEvent();
      const collector = await collect(kafka, [contract.name]);
      collectors.push(collector);

      await publisher.publish(contract, [event]);

      const [received] = await collector.waitFor(1);
      expect(received?.key?.toString()).toBe(event.payload.rideId);
      expect(decode(contract, received?.value)).toEqual({ ok: true, value: event });
      expect(received?.headers['correlation-id']?.toString()).toBe(event.correlationId);
    },
  );

  it('when many events of several rides are published concurrently, then each ride stays on one partition in order', async () => {
    const contract = await isolatedContract(kafka, topics.rideRequested);
    const rides = Array.from({ length: 12 }, () => freshRideRequested().payload.rideId);
    const events = Array.from({ length: 20 }, (_, step) =>
      rides.map((rideId) => freshRideRequested({ rideId, passengers: (step % 8) + 1 })),
    ).flat();
    const collector = await collect(kafka, [contract.name]);
    collectors.push(collector);

    // One publish per event, all at once: the publisher batches them but must keep order per key.
    await Promise.all(events.map((event) => publisher.publish(contract, [event])));

    const received = await collector.waitFor(events.length);
    const partitionsUsed = new Set(received.map((r) => r.partition));
    expect(partitionsUsed.size).toBeGreaterThan(1);
    for (const rideId of rides) {
      const ofRide = received.filter((r) => r.key?.toString() === rideId);
      expect(new Set(ofRide.map((r) => r.partition)).size).toBe(1);
      const sent = events.filter((e) => e.payload.rideId === rideId).map((e) => e.eventId);
      const got = ofRide.map((r) => JSON.parse(r.value?.toString() ?? '{}').eventId);
      expect(got).toEqual(sent);
    }
  });

  it('when an event fails its schema, then publish refuses it and nothing reaches the topic', async () => {
    const contract = await isolatedContract(kafka, topics.rideRequested);
    const bad = freshRideRequested({ passengers: 99 });
    const good = freshRideRequested();
    const collector = await collect(kafka, [contract.name]);
    collectors.push(collector);

    await expect(publisher.publish(contract, [bad])).rejects.toMatchObject({
      code: 'invalid_event',
    });
    await publisher.publish(contract, [good]);

    await collector.waitFor(1);
    expect(collector.records.map((r) => r.key?.toString())).toEqual([good.payload.rideId]);
  });
});
