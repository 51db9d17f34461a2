import {
  asWrittenByANewerVersion,
  exampleRideRequested,
  publishedJsonSchema,
  topics,
} from '@taxi/events';
import { publishedReader } from './published-reader';

describe('a reader of a published version, from its JSON Schema', () => {
  const readsV1 = publishedReader(publishedJsonSchema(topics.rideRequested));
  const event = exampleRideRequested();

  it('when a message of the version is read, then it is accepted', () => {
    expect(readsV1(event)).toEqual([]);
  });

  it('when a newer message has fields the version does not know, at any depth, then it is accepted', () => {
    const newer = asWrittenByANewerVersion(event);

    expect(readsV1(newer)).toEqual([]);
  });

  it.each([
    [
      'a field it requires is missing',
      { ...event, payload: { ...event.payload, rideId: undefined } },
    ],
    ['a field has another type', { ...event, payload: { ...event.payload, passengers: '2' } }],
    ['a value is beyond its bound', { ...event, payload: { ...event.payload, passengers: 10 } }],
    ['a format is broken', { ...event, payload: { ...event.payload, customerEmail: 'ada' } }],
    ['it is another major', { ...event, schemaVersion: 2 }],
  ])('when %s, then it is refused, with the reason', (_, message) => {
    expect(readsV1(JSON.parse(JSON.stringify(message)))).not.toEqual([]);
  });
});
