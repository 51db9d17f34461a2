/** Prints rows as aligned columns, indented under a heading line. */
export const table = (
  print: (line: string) => void,
  headings: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): void => {
  const cells = [headings, ...rows].map((row) => row.map((cell) => String(cell ?? '-')));
  const widths = headings.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  for (const row of cells)
    print(`  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
};

const UNITS: [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1_000, 's'],
];

/** `604800000` → `7d`; `-1` → `forever`. */
export const duration = (ms: number): string => {
  if (ms < 0) return 'forever';
  const [size, unit] = UNITS.find(([size]) => ms >= size && ms % size === 0) ?? [1, 'ms'];
  return `${ms / size}${unit}`;
};
