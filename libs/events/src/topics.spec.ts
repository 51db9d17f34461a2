import { exampleRideConfirmed, exampleRideRejected } from './fixtures';
import { eventJsonSchemas } from './json-schema';
import { allTopicSettings, topics } from './topics';

describe('topics', () => {
  it('when listing topics to provision, then every topic has its dead-letter topic beside it', () => {
    const names = allTopicSettings().map((topic) => topic.name);

    for (const contract of Object.values(topics)) {
      expect(names).toContain(contract.name);
      expect(names).toContain(`${contract.name}.dlq`);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('when the ride topics are named, then they are the ones the services agree on', () => {
    expect(topics.rideRequested.name).toBe('ride_details');
    expect(topics.rideConfirmed.name).toBe('ride_confirmed');
  });

  it('when an email is recorded, then its ledger record has the key and partition count of the ride outcome it answers', () => {
    const confirmed = exampleRideConfirmed();
    const rejected = exampleRideRejected();
    const record = (rideId: string, kind: 'confirmation' | 'rejection') =>
      topics.emailsSent.keyOf({
        ...confirmed,
        type: 'email.sent',
        payload: { rideId, kind, messageId: '<m@x>', sentAt: confirmed.occurredAt },
      });

    expect(record(confirmed.payload.rideId, 'confirmation')).toBe(
      topics.rideConfirmed.keyOf(confirmed),
    );
    expect(record(rejected.payload.rideId, 'rejection')).toBe(topics.rideRejected.keyOf(rejected));
    expect(topics.emailsSent.partitions).toBe(topics.rideConfirmed.partitions);
    expect(topics.emailsSent.partitions).toBe(topics.rideRejected.partitions);
  });
});

describe('eventJsonSchemas', () => {
  it('when exported, then each topic has a JSON Schema that requires the envelope fields of each of its events', () => {
    type Schema = { required?: string[]; oneOf?: Schema[]; anyOf?: Schema[] };
    const schemas = eventJsonSchemas() as Record<string, Schema>;
    // A topic with several event types (dispatch) is a union: each of its events is an envelope.
    const envelopes = (schema: Schema): Schema[] => schema.oneOf ?? schema.anyOf ?? [schema];

    expect(Object.keys(schemas).sort()).toEqual(
      Object.values(topics)
        .map((t) => t.name)
        .sort(),
    );
    for (const schema of Object.values(schemas).flatMap(envelopes)) {
      expect(schema.required).toEqual(
        expect.arrayContaining([
          'eventId',
          'type',
          'schemaVersion',
          'occurredAt',
          'correlationId',
          'payload',
        ]),
      );
    }
  });
});
