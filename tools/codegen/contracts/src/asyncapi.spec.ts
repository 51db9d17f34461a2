import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Parser } from '@asyncapi/parser';
import { allTopicSettings, contractVersions, topics } from '@taxi/events';
import { asyncApiDocument } from './asyncapi';
import { ASYNCAPI_FILE, asyncApiYaml } from './asyncapi-file';

const committed = readFileSync(path.resolve(__dirname, '../../../..', ASYNCAPI_FILE), 'utf8');

describe('AsyncAPI document of every topic (docs/asyncapi.yaml)', () => {
  it('when generated from libs/events, then it equals the committed file (else: npm run contracts)', () => {
    expect(committed).toBe(asyncApiYaml());
  });

  it('when the committed file is parsed by @asyncapi/parser, then it is valid AsyncAPI 3.0 without errors', async () => {
    const { document, diagnostics } = await new Parser().parse(committed);

    expect(diagnostics.filter((d) => d.severity === 0)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
  });

  it('when a channel is broken, then the same parser reports an error (the check can fail)', async () => {
    const broken = committed.replace(/partitions: 6/, 'partitions: six');

    const { diagnostics } = await new Parser().parse(broken);

    expect(diagnostics.filter((d) => d.severity === 0)).not.toEqual([]);
  });

  it('when generated, then every topic and dead-letter topic is a channel with its partitions and settings', () => {
    const channels = asyncApiDocument('test').channels as Record<
      string,
      { bindings: { kafka: { partitions: number } } }
    >;

    expect(Object.keys(channels).sort()).toEqual(
      allTopicSettings()
        .map((t) => t.name)
        .sort(),
    );
    for (const settings of allTopicSettings()) {
      expect(channels[settings.name]?.bindings.kafka.partitions).toBe(settings.partitions);
    }
  });

  it('when generated, then every event topic has a sender and a receiver operation', () => {
    const operations = Object.values(asyncApiDocument('test').operations) as {
      action: string;
      channel: { $ref: string };
    }[];

    for (const { name } of Object.values(topics)) {
      const on = operations.filter((op) => op.channel.$ref === `#/channels/${name}`);
      expect({ name, actions: [...new Set(on.map((op) => op.action))].sort() }).toEqual({
        name,
        actions: ['receive', 'send'],
      });
    }
  });

  it('when generated, then every event message names its contract version, where the published versions are, and its examples', () => {
    const messages = asyncApiDocument('test', () => ['1.0', '1.1']).components.messages as Record<
      string,
      { title?: string; description?: string; examples?: unknown[] }
    >;

    for (const [key, contract] of Object.entries(topics)) {
      const version = contractVersions[key as keyof typeof contractVersions];
      expect(messages[key]?.title).toContain(`version ${version}`);
      expect(messages[key]?.description).toContain(
        `libs/events/schemas/${contract.name}/: 1.0, 1.1`,
      );
      expect(messages[key]?.examples?.length).toBeGreaterThan(0);
    }
  });
});
