import { z } from 'zod';
import { topics, type TopicContract } from './topics';

/**
 * The JSON Schema (draft 2020-12) a topic's contract version is published with: what its writers
 * write, closed (`additionalProperties: false`), as the zod schema is strict. Its readers read it
 * open: they ignore fields they do not know (ADR 040).
 */
export const publishedJsonSchema = (contract: TopicContract): Record<string, unknown> =>
  z.toJSONSchema(contract.schema, { target: 'draft-2020-12', io: 'input' });

/** JSON Schema (draft 2020-12) of the events on every topic, keyed by topic name. */
export const eventJsonSchemas = (): Record<string, unknown> =>
  Object.fromEntries(
    Object.values(topics).map((contract) => [contract.name, publishedJsonSchema(contract)]),
  );
