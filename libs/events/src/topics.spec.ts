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
});

describe('eventJsonSchemas', () => {
  it('when exported, then each topic has a JSON Schema that requires the envelope fields', () => {
    const schemas = eventJsonSchemas() as Record<string, { required?: string[] }>;

    expect(Object.keys(schemas).sort()).toEqual(
      Object.values(topics)
        .map((t) => t.name)
        .sort(),
    );
    for (const schema of Object.values(schemas)) {
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
