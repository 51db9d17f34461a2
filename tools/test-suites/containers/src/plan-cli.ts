// `docker compose config --format json | node plan-cli.ts DIR`: writes DIR/plan.json (read by the
// container test) and DIR/override.yaml (the compose override: image names, ephemeral host ports),
// and prints one tab-separated line per service for build-images.sh: kind, service, then
// app+image | stand-in folder+image+replaced image | why it is left out.
// `node plan-cli.ts --images < names`: the same lines for image names, one per line on stdin, as
// Kubernetes manifests name them (the cluster test; the service column is the image).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Document, type YAMLSeq } from 'yaml';
import { planCompose, planImages, type ComposeConfig, type ServicePlan } from './compose-plan.ts';

/** The override as YAML: each service's `ports` tagged `!override`, to replace, not add to, the file's. */
const overrideYaml = (override: ReturnType<typeof planCompose>['override']) => {
  const document = new Document(override);
  for (const [service, { ports }] of Object.entries(override.services))
    if (ports) (document.getIn(['services', service, 'ports'], true) as YAMLSeq).tag = '!override';
  return String(document);
};

const line = (s: ServicePlan) => {
  const fields =
    s.kind === 'app'
      ? [s.app, s.image]
      : s.kind === 'stand-in'
        ? [s.standIn, s.image, s.replaces]
        : [s.why];
  return `${[s.kind, s.service, ...fields].join('\t')}\n`;
};

const [dir] = process.argv.slice(2);
if (!dir) {
  process.stderr.write(
    'usage: docker compose config --format json | node plan-cli.ts DIR\n' +
      '       node plan-cli.ts --images < image-names\n',
  );
  process.exit(2);
}
try {
  if (dir === '--images') {
    const names = readFileSync(0, 'utf8').split('\n').filter(Boolean);
    for (const s of planImages(names)) process.stdout.write(line(s));
  } else {
    const plan = planCompose(JSON.parse(readFileSync(0, 'utf8')) as ComposeConfig);
    writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan, null, 2));
    writeFileSync(path.join(dir, 'override.yaml'), overrideYaml(plan.override));
    for (const s of plan.services) process.stdout.write(line(s));
  }
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
