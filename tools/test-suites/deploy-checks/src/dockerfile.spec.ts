import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { appConfigSchema, composeApps, readWorkspaceFile, workspaceRoot } from './deploy-files';
import { deployedEnvironments } from './deployed-environments';
import { baseImage, lintDockerfile, parseDockerfile, stages } from './dockerfile';
import { readConfig } from '@taxi/service-kit';

const dockerfile = () => readWorkspaceFile('Dockerfile');
const runtimeStage = () => stages(parseDockerfile(dockerfile())).at(-1) ?? [];
const args = (keyword: string) =>
  runtimeStage()
    .filter((instruction) => instruction.keyword === keyword)
    .map((instruction) => instruction.args);
/** The runtime image's NODE_OPTIONS, as its ENV sets it. */
const imageNodeOptions = () => /NODE_OPTIONS="([^"]*)"/.exec(args('ENV').join('\n'))?.[1] ?? '';

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

  /** What `settingsIn` finds in the image's ENV, start.sh and the e2e tests' spawn must agree. */
  const expectSetAlike = (settingsIn: (text: string) => string[], expected: string[]) => {
    const image = settingsIn(args('ENV').join('\n'));

    expect(image).toEqual(expected);
    expect(settingsIn(readWorkspaceFile('tools/dev-env/stack/start.sh'))).toEqual(image);
    expect(
      settingsIn(readWorkspaceFile('tools/test-infra/stack-harness/src/service-process.ts')),
    ).toEqual(image);
  };

  it('when a service runs in the image, by npm start or in the tests, then its heap is sized alike', () => {
    // rides' own young generation is the next test's.
    const heapFlags = (text: string) =>
      text
        .split('\n')
        .filter((line) => !/rides/i.test(line))
        .flatMap((line) => [...line.matchAll(/--max-(?:old|semi)-space-size=\d+/g)])
        .map((match) => match[0])
        .sort();

    expectSetAlike(heapFlags, ['--max-old-space-size=128', '--max-semi-space-size=4']);
  });

  it('when rides is deployed, started by npm start or tested, then it has the image heap with 16 MB semi-spaces', () => {
    const ridesOptions = imageNodeOptions().replace(
      '--max-semi-space-size=4',
      '--max-semi-space-size=16',
    );
    const ridesFlag = (text: string, declaration: RegExp) => declaration.exec(text)?.[1];

    expect(ridesOptions).toContain('--max-semi-space-size=16');
    for (const deployed of deployedEnvironments('rides'))
      expect([deployed.where, deployed.variables['NODE_OPTIONS']]).toEqual([
        deployed.where,
        { value: ridesOptions },
      ]);
    expect(
      ridesFlag(readWorkspaceFile('tools/dev-env/stack/start.sh'), /^rides_heap="([^"]*)"$/m),
    ).toBe('--max-semi-space-size=16');
    expect(
      ridesFlag(
        readWorkspaceFile('tools/test-infra/stack-harness/src/service-process.ts'),
        /RIDES_HEAP_FLAGS = \['([^']*)'\]/,
      ),
    ).toBe('--max-semi-space-size=16');
  });

  it("when Node starts with the image's NODE_OPTIONS or rides', then it accepts every flag", () => {
    // Node allows only some V8 flags in NODE_OPTIONS and refuses to start on any other; the image
    // build's own `npm ci` would hit that first (ADR 030).
    const stderrOf = (nodeOptions: string) =>
      spawnSync(process.execPath, ['-e', '0'], {
        env: { PATH: process.env['PATH'] ?? '', NODE_OPTIONS: nodeOptions },
        encoding: 'utf8',
      }).stderr;
    const ridesOptions = deployedEnvironments('rides').map(
      (deployed) => deployed.variables['NODE_OPTIONS']?.value ?? '',
    );

    for (const options of [imageNodeOptions(), ...ridesOptions])
      expect([options, stderrOf(options)]).toEqual([options, '']);
    // The check can fail: a V8 flag outside Node's list is refused there.
    expect(stderrOf('--heap-growing-percent=100')).toMatch(/not allowed in NODE_OPTIONS/);
  });

  it('when a service runs in the image, by npm start or in the tests, then malloc is set alike', () => {
    // `MALLOC_X=1` in the Dockerfile and start.sh, `MALLOC_X: '1'` in the e2e tests' spawn env.
    const mallocSettings = (text: string) =>
      [...text.matchAll(/\b(MALLOC_[A-Z_]+)['"]?\s*[:=]\s*['"]?(\d+)/g)]
        .map((match) => `${match[1]}=${match[2]}`)
        .sort();

    expectSetAlike(mallocSettings, ['MALLOC_ARENA_MAX=2', 'MALLOC_MMAP_THRESHOLD_=65536']);
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

  it('when the container runs, then it is node as PID 1, as a non-root user, with a healthcheck', () => {
    const [user = ''] = args('USER');

    expect(args('CMD')).toEqual(['["node", "main.js"]']);
    expect(args('ENTRYPOINT')).toEqual([]);
    // Numeric, so Kubernetes' runAsNonRoot can verify it; not root.
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(args('HEALTHCHECK')).toEqual([
      expect.stringContaining('CMD ["node", "healthcheck.js"]'),
    ]);
  });

  it("when an app's folder settings keep their defaults, then each lies in the image's declared volume, owned by its user", () => {
    const folders = composeApps().flatMap((app) =>
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
