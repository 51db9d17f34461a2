// Dispatch quality against the oracle (ADR 038): a deterministic simulation, no Kafka. Run by
// `npm run bench` (BENCH_MODE=dispatch), or on its own after `nx build transaction`:
//   node dist/apps/transaction/dispatch-quality/main.js                       a table
//   DISPATCH_FORMAT=json node dist/apps/transaction/dispatch-quality/main.js   JSON on stdout,
//                                                                          the table on stderr
//   DISPATCH_DESIGNS=ride-forward node ...                                    the chosen design only
// Exit codes: 0 measured, 2 a bad setting (the message names the variable).
import { z } from 'zod';
import { formatTable } from './report';
import { runStandard, standardDesigns, standardOptions } from './standard-run';
import { FORWARDING } from './designs';

const DESIGN_NAMES = standardDesigns(FORWARDING).map((design) => design.name);
const whole = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

const settingsSchema = z.object({
  DISPATCH_VIEW_LAG_MS: whole(standardOptions.viewLagMs),
  DISPATCH_HOP_MS: whole(standardOptions.hopDelayMs),
  DISPATCH_MAX_HOPS: whole(FORWARDING.maxHops, 1),
  DISPATCH_SEEDS: whole(standardOptions.seeds.length, 1),
  DISPATCH_RIDES: whole(standardOptions.rides, 2),
  DISPATCH_FORMAT: z.enum(['table', 'json']).default('table'),
  /** Only these designs (comma-separated names, as in the table); default all of them. */
  DISPATCH_DESIGNS: z
    .string()
    .optional()
    .transform((raw) => (raw ? raw.split(',').map((name) => name.trim()) : undefined))
    .refine((names) => names === undefined || names.every((name) => DESIGN_NAMES.includes(name)), {
      message: `names one of ${DESIGN_NAMES.join(', ')}`,
    }),
});

const parsed = settingsSchema.safeParse(process.env);
if (!parsed.success) {
  const issue = parsed.error.issues[0];
  process.stderr.write(`dispatch-quality: ${String(issue?.path[0])}: ${issue?.message}\n`);
  process.exit(2);
}
const settings = parsed.data;
const startedAt = Date.now();
const options = {
  ...standardOptions,
  viewLagMs: settings.DISPATCH_VIEW_LAG_MS,
  hopDelayMs: settings.DISPATCH_HOP_MS,
  seeds: Array.from({ length: settings.DISPATCH_SEEDS }, (_, index) => index + 1),
  rides: settings.DISPATCH_RIDES,
  warmUpRides: Math.floor(settings.DISPATCH_RIDES / 6),
  designs: standardDesigns({ ...FORWARDING, maxHops: settings.DISPATCH_MAX_HOPS }).filter(
    (design) => settings.DISPATCH_DESIGNS?.includes(design.name) ?? true,
  ),
};
const rows = runStandard(options);
const { scenarios: _scenarios, designs, ...knobs } = options;
const report = {
  settings: {
    ...knobs,
    maxHops: settings.DISPATCH_MAX_HOPS,
    designs: designs.map((design) => design.name),
  },
  seconds: Number(((Date.now() - startedAt) / 1000).toFixed(1)),
  rows,
};
const table = `${formatTable(rows)}\n(${report.seconds} s; ${JSON.stringify(report.settings)})\n`;
if (settings.DISPATCH_FORMAT === 'json') {
  process.stderr.write(table);
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else process.stdout.write(table);
