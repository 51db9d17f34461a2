// `docker compose config --format json | node plan-cli.ts DIR`: writes DIR/plan.json (read by the
// container test) and DIR/override.yaml (the compose override: image names, ephemeral host ports),
// and prints one
// tab-separated line per service for tools/test-suites/containers/test.sh: kind, service, then
// app+image | stand-in folder+image+replaced image | why it is left out.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Document, type YAMLSeq } from 'yaml';
import { planCompose, type ComposeConfig } from './compose-plan.ts';

/** The override as YAML: each service's `ports` tagged `!override`, to replace, not add to, the file's. */
const overrideYaml = (override: ReturnType<typeof planCompose>['override']) => {
  const document = new Document(override);
  for (const [service, { ports }] of Object.entries(override.services))
    if (ports) (document.getIn(['services', service, 'ports'], true) as YAMLSeq).tag = '!override';
  return String(document);
};

const [dir] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: docker compose config --format json | node plan-cli.ts DIR\n');
  process.exit(2);
}
try {
  const plan = planCompose(JSON.parse(readFileSync(0, 'utf8')) as ComposeConfig);
  writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan, null, 2));
  writeFileSync(path.join(dir, 'override.yaml'), overrideYaml(plan.override));
  for (const s of plan.services) {
    const fields =
      s.kind === 'app'
        ? [s.app, s.image]
        : s.kind === 'stand-in'
          ? [s.standIn, s.image, s.replaces]
          : [s.why];
    process.stdout.write(`${[s.kind, s.service, ...fields].join('\t')}\n`);
  }
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
