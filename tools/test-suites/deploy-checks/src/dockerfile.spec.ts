import { existsSync } from 'node:fs';
import path from 'node:path';
import { appConfigSchema, deployedApps, readWorkspaceFile, workspaceRoot } from './deploy-files';
import { baseImage, lintDockerfile, parseDockerfile, stages } from './dockerfile';
import { readConfig } from '@taxi/service-kit';

const dockerfile = () => readWorkspaceFile('Dockerfile');
const runtimeStage = () => stages(parseDockerfile(dockerfile())).at(-1) ?? [];
const args = (keyword: string) =>
  runtimeStage()
    .filter((instruction) => instruction.keyword === keyword)
    .map((instruction) => instruction.args);

describe('the Dockerfile', () => {
  it('when linted with dockerfile-utils at its strictest, then it is clean', () => {
    expect(lintDockerfile(dockerfile())).toEqual([]);
  });

  it('when a Dockerfile is broken, then the linter reports it', () => {
    const broken = 'FROM node:24-bookworm-slim\nRUNN npm ci\nHEALTHCHECK --interval=5 CMD true\n';

    expect(lintDockerfile(broken)).toEqual([
      expect.stringMatching(/^line 2: unknown instruction/i),
      expect.stringMatching(/^line 3: .*missing unit in duration/i),
    ]);
  });

  it('when its stages are built, then both start from Node 24 slim', () => {
    const instructions = parseDockerfile(dockerfile());

    const bases = stages(instructions).map((stage) => baseImage(instructions, stage));

    expect(bases).toEqual([expect.stringMatching(/^node:24-(bookworm-)?slim$/), bases[0]]);
  });

  it('when the runtime image is assembled, then it holds production dependencies only', () => {
    const installs = args('RUN').filter((run) => run.includes('npm '));

    expect(installs).toEqual([expect.stringContaining('npm ci --omit=dev')]);
    // From the build stage: the bundle and its package files, never the workspace's sources or deps.
    expect(args('COPY').join('\n')).not.toMatch(/node_modules|\/workspace\/(apps|libs)\//);
  });

  it('when the image installs its production dependencies, then it applies patches/ as the workspace install does', () => {
    // kafkajs runs patched (ADR 033); the service refuses to start on an unpatched one.
    const [install = ''] = args('RUN').filter((run) => run.includes('npm ci'));

    expect(args('COPY')).toContain('patches ./patches');
    expect(install).toMatch(
      /npm ci --omit=dev[^&]*&& node \S+\/patch-package\/index\.js --error-on-fail --error-on-warn/,
    );
  });

  it('when the container runs, then the runtime profile starts node, as a non-root user, with a healthcheck', () => {
    const [user = ''] = args('USER');

    // The profile's reader execs the command: node is PID 1 (the container test sees it so).
    expect(args('ENTRYPOINT')).toEqual(['["/bin/sh", "/app/runtime/with-profile.sh"]']);
    expect(args('COPY')).toContain(
      'deploy/runtime/profile.env deploy/runtime/with-profile.sh ./runtime/',
    );
    expect(args('CMD')).toEqual(['["node", "main.js"]']);
    // Numeric, so Kubernetes' runAsNonRoot can verify it; not root.
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(args('HEALTHCHECK')).toEqual([
      expect.stringContaining('CMD ["node", "healthcheck.js"]'),
    ]);
  });

  it("when an app's folder settings keep their defaults, then each lies in the image's declared volume, owned by its user", () => {
    const folders = deployedApps().flatMap((app) =>
      Object.entries(readConfig(appConfigSchema(app), {}))
        .filter(([variable]) => variable.endsWith('_DIR'))
        .map(([variable, dir]) => ({ app, variable, dir: String(dir) })),
    );

    expect(args('VOLUME')).toEqual(['["/var/lib/taxi/${APP}"]']);
    expect(args('RUN')).toContainEqual(
      'mkdir -p /var/lib/taxi/${APP} && chown 1000:1000 /var/lib/taxi/${APP}',
    );
    expect(folders.map((f) => f.variable).sort()).toEqual(['OUTBOX_DIR', 'RIDES_STORE_DIR']);
    for (const { app, variable, dir } of folders)
      expect({ variable, dir }).toEqual({
        variable,
        dir: expect.stringMatching(new RegExp(`^/var/lib/taxi/${app}(/|$)`)),
      });
  });

  it('when the build context is sent, then what the Dockerfile copies exists and is not ignored', () => {
    const ignored = readWorkspaceFile('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    const sources = parseDockerfile(dockerfile())
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));

    for (const source of sources) {
      expect(existsSync(path.join(workspaceRoot, source))).toBe(true);
      const hiding = ignored.filter(
        (pattern) => source === pattern || source.startsWith(`${pattern}/`),
      );
      expect({ source, hiding }).toEqual({ source, hiding: [] });
    }
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', 'dist', '**/.env']));
  });
});
