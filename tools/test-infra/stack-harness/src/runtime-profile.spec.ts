import { expectedHeapLimitMb, runtimeProfile, runtimeProfileProblems } from './runtime-profile';

const profile = {
  NODE_OPTIONS: '--enable-source-maps --max-old-space-size-percentage=50 --max-semi-space-size=4',
  NODE_V8_FLAGS: '--heap-growing-percent=100',
  MALLOC_ARENA_MAX: '2',
};
const memoryLimitsLine = (heapLimitMb: number, memoryLimitMb: number | null) =>
  JSON.stringify({ level: 30, msg: 'memory limits', heapLimitMb, memoryLimitMb });
/** A service started as the image's entrypoint starts it, in a 256 MB container. */
const asStarted = {
  cmdline: 'node\0--heap-growing-percent=100\0main.js\0',
  environ: 'NODE_OPTIONS=anything\0NODE_V8_FLAGS=x\0MALLOC_ARENA_MAX=2\0HOSTNAME=rides\0',
  logs: `starting\n${memoryLimitsLine(140, 256)}\n{"msg":"ready"}\n`,
  memoryLimitMb: 256,
};

describe('runtimeProfileProblems', () => {
  it('when a service was started with the profile under its limit, then there is no problem', () => {
    expect(runtimeProfileProblems(asStarted, profile)).toEqual([]);
  });

  it('when PID 1 is not node with the V8 flags and main.js, then it says what PID 1 is', () => {
    const started = { ...asStarted, cmdline: 'node\0main.js\0' };

    expect(runtimeProfileProblems(started, profile)).toEqual([
      'PID 1 is `node main.js`, not `node --heap-growing-percent=100 main.js`',
    ]);
  });

  it("when a profile variable is missing from PID 1's environment, then it is named", () => {
    const started = { ...asStarted, environ: 'NODE_OPTIONS=a\0NODE_V8_FLAGS=b\0' };

    expect(runtimeProfileProblems(started, profile)).toEqual([
      "MALLOC_ARENA_MAX is not in PID 1's environment",
    ]);
  });

  it('when the heap was sized from another limit, or not from the limit, then both are said', () => {
    const started = { ...asStarted, logs: memoryLimitsLine(4108, null) };

    expect(runtimeProfileProblems(started, profile)).toEqual([
      'it was sized from null MB, not its 256 MB limit',
      'its heap limit is 4108 MB, not 140 MB',
    ]);
  });

  it('when the service logged no memory limits, then that is the problem', () => {
    expect(runtimeProfileProblems({ ...asStarted, logs: '{"msg":"ready"}' }, profile)).toEqual([
      'no `memory limits` line in its logs',
    ]);
  });
});

describe('expectedHeapLimitMb', () => {
  it("when the repo's profile is read, then a 256 MB pod gets half for the old space and three semi-spaces", () => {
    // 128 + 3 × 4, what V8 reports in a 256 MB cgroup (memory-limits.spec in service-kit).
    expect(expectedHeapLimitMb(runtimeProfile(), 256)).toBe(140);
    expect(expectedHeapLimitMb(runtimeProfile(), 512)).toBe(268);
  });
});
