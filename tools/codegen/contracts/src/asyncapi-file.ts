import { stringify } from 'yaml';
import { asyncApiDocument } from './asyncapi';

export const ASYNCAPI_FILE = 'docs/asyncapi.yaml';

/** The committed file's text: a header saying where it comes from, then the document. */
export const asyncApiYaml = (): string =>
  `# Generated from libs/events by \`npm run contracts\`: do not edit by hand.\n` +
  stringify(asyncApiDocument('1.0.0'), { lineWidth: 100, aliasDuplicateObjects: false });
