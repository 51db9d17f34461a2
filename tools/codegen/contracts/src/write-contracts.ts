import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { asyncApiYaml, ASYNCAPI_FILE } from './asyncapi-file';

// `npm run contracts`: writes docs/asyncapi.yaml from libs/events (the OpenAPI document is served
// by the rides service itself, at GET /openapi.json).
const file = path.resolve(process.cwd(), ASYNCAPI_FILE);
writeFileSync(file, asyncApiYaml());
process.stdout.write(`wrote ${ASYNCAPI_FILE}\n`);
