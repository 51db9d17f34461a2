import type { QualityRow } from './compare';

const COLUMNS: readonly [string, (row: QualityRow) => string][] = [
  ['design', (row) => row.design],
  ['N', (row) => String(row.partitions)],
  ['mean km', (row) => row.meanPickupKm.toFixed(2)],
  ['÷ oracle', (row) => row.meanVsOracle.toFixed(3)],
  ['p95 ÷ oracle', (row) => row.p95VsOracle.toFixed(3)],
  ['rejected', (row) => `${row.rejected} (oracle ${row.oracleRejected})`],
  ['false rej.', (row) => String(row.falseRejections)],
  ['fwd/ride', (row) => row.forwardsPerRide.toFixed(2)],
  ['max hops', (row) => String(row.maxHops)],
  ['stale fwd', (row) => row.staleForwardShare.toFixed(2)],
  ['hand-overs/ride', (row) => row.handOversPerRide.toFixed(2)],
  ['top partition: requests', (row) => row.largestRequestShare.toFixed(2)],
  ['inputs', (row) => row.largestInputShare.toFixed(2)],
  ['invariant breaks', (row) => String(row.invariantBreaks)],
];

/** The rows as Markdown tables, one per scenario. */
export const formatTable = (rows: readonly QualityRow[]): string => {
  const scenarios = [...new Set(rows.map((row) => row.scenario))];
  return scenarios
    .map((scenario) => {
      const lines = rows
        .filter((row) => row.scenario === scenario)
        .map((row) => `| ${COLUMNS.map(([, cell]) => cell(row)).join(' | ')} |`);
      return [
        `${scenario}:`,
        '',
        `| ${COLUMNS.map(([name]) => name).join(' | ')} |`,
        `|${COLUMNS.map(() => '---').join('|')}|`,
        ...lines,
      ].join('\n');
    })
    .join('\n\n');
};
