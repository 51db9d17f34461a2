import {
  contractExamples,
  contractVersions,
  decode,
  parseVersion,
  publishedJsonSchema,
  rideRequestSchema,
  topics,
  writtenSchemaVersion,
  envelope,
} from '@taxi/events';
import { z } from 'zod';
import { breakingChanges } from './compatibility';
import {
  changedSincePublished,
  currentVersionFiles,
  differences,
  digestOf,
  jsonText,
  publishedExamples,
  publishedFiles,
  publishedSchema,
  publishedVersions,
  readDigests,
  readPublished,
  schemaPath,
  topicKeys,
  unpublishedDifferences,
} from './published';
import { publishedReader } from './published-reader';

// The published contracts (libs/events/schemas, ADR 040) against the code: what `npm test` checks
// on every change. docs/changing-a-contract.md says what to do when one of these fails.

const sameMajor = (a: string, b: string) => a.split('.')[0] === b.split('.')[0];

describe.each(topicKeys)('the published contract of %s', (key) => {
  const contract = topics[key];
  const current = contractVersions[key];
  const versions = publishedVersions(contract.name);

  it('when libs/events makes its current version’s schema now, then it is the committed one (else: give it a new version in versions.ts, then npm run contracts)', () => {
    expect(unpublishedDifferences(key)).toEqual([]);
  });

  it('when versions are listed, then the current one is the newest published, of the major its schema writes', () => {
    expect(versions.at(-1)).toBe(current);
    expect(parseVersion(current).major).toBe(writtenSchemaVersion(contract.schema));
  });

  it('when the current schema is compared with every published version of its major, then it breaks none of their readers', () => {
    const now = publishedJsonSchema(contract);
    const broken = versions
      .filter((version) => sameMajor(version, current))
      .map((version) => ({
        version,
        breaking: breakingChanges(publishedSchema(contract.name, version), now),
      }))
      .filter(({ breaking }) => breaking.length > 0);

    expect(broken).toEqual([]);
  });

  it('when every published example of every version is decoded by today’s code, then each decodes', () => {
    const refused = versions.flatMap((version) =>
      Object.entries(publishedExamples(contract.name, version)).flatMap(([name, text]) => {
        const result = decode(contract, text);
        return result.ok ? [] : [`v${version}/${name}: ${result.error.reason}`];
      }),
    );

    expect(versions.length).toBeGreaterThan(0);
    expect(refused).toEqual([]);
  });

  it('when every published example is read by the reader of its own version, then each is valid', () => {
    const refused = versions.flatMap((version) => {
      const read = publishedReader(publishedSchema(contract.name, version));
      return Object.entries(publishedExamples(contract.name, version)).flatMap(([name, text]) =>
        read(JSON.parse(text)).map((why) => `v${version}/${name}: ${why}`),
      );
    });

    expect(refused).toEqual([]);
  });

  it('when today’s examples are read by every published version of the same major (its frozen schema, read as its readers do), then each is accepted', () => {
    const refused = versions
      .filter((version) => sameMajor(version, current))
      .flatMap((version) => {
        const read = publishedReader(publishedSchema(contract.name, version));
        return Object.entries(contractExamples[key]).flatMap(([name, example]) =>
          read(JSON.parse(JSON.stringify(example))).map((why) => `v${version} on ${name}: ${why}`),
        );
      });

    expect(refused).toEqual([]);
  });
});

describe('the published files (libs/events/schemas/published.json)', () => {
  it('when a published file is read, then it is byte for byte what was published: published files never change', () => {
    expect(changedSincePublished(publishedFiles().map(readPublished), readDigests())).toEqual([]);
  });

  it('when the files are listed, then each has its digest, and each digest its file', () => {
    expect(publishedFiles()).toEqual(Object.keys(readDigests()).sort());
  });
});

describe('the checks can fail', () => {
  const rideDetails = currentVersionFiles('rideRequested');
  const schemaFile = schemaPath('ride_details', contractVersions.rideRequested);

  it('when a published file is edited by hand, then the digest check names it', () => {
    const edited = readPublished(schemaFile);

    expect(
      changedSincePublished(
        [{ ...edited, text: edited.text.replace('"maximum": 8', '"maximum": 10') }],
        readDigests(),
      ),
    ).toEqual([schemaFile]);
  });

  it('when a schema gains a field and its version stays, then the comparison with the committed file names it', () => {
    const changed = {
      ...topics.rideRequested,
      schema: envelope(
        'ride.requested',
        rideRequestSchema.extend({ seatPreference: z.string().optional() }),
      ),
      keyOf: () => '',
    };
    const made = { path: schemaFile, text: jsonText(publishedJsonSchema(changed)) };

    expect(differences([made], rideDetails)).toEqual([`${schemaFile} differs`]);
    expect(differences([made], [])).toEqual([`${schemaFile} is missing`]);
  });

  it('when the digest of a text is taken, then it is sha256 in base64, as published.json records it', () => {
    expect(digestOf('')).toBe('sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });
});
