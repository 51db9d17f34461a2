import { z } from 'zod';
import { topics } from './topics';

/** JSON Schema (draft 2020-12) of the events on every topic, keyed by topic name. */
export const eventJsonSchemas = (): Record<string, unknown> =>
  Object.fromEntries(
    Object.values(topics).map((contract) => [
      contract.name,
      z.toJSONSchema(contract.schema, { target: 'draft-2020-12', io: 'input' }),
    ]),
  );
