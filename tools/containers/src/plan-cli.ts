// `docker compose config --format json | node plan-cli.ts DIR`: writes DIR/plan.json (read by the
// container test) and DIR/override.json (the compose override: image names only), and prints one
// tab-separated line per service for tools/containers/test.sh: kind, service, then
// app+image | stand-in folder+image+replaced image | why it is left out.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { planCompose, type ComposeConfig } from './compose-plan.ts';

const [dir] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: docker compose config --format json | node plan-cli.ts DIR\n');
  process.exit(2);
}
try {
  const plan = planCompose(JSON.parse(readFileSync(0, 'utf8')) as ComposeConfig);
  writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan, null, 2));
  writeFileSync(path.join(dir, 'override.json'), JSON.stringify(plan.override, null, 2));
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
