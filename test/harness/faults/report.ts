/**
 * Writes a test file's run records where scripts/faults.mjs collects them for the figures of
 * docs/reliability.md: `$REGCTL_FAULT_REPORT_DIR/<name>.json`. Nothing is written without it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The part of a run record (test/faults/support/outcome.ts) the figures need; structural, so the harness imports nothing from the suite. */
export interface ReportRecord {
  group: string;
  state: string;
  leaks: string[];
}

/** How many seeded random runs to make: `REGCTL_FAULT_RUNS`, else `fallback` (the short CI version). */
export function faultRuns(fallback: number): number {
  const n = Number(process.env.REGCTL_FAULT_RUNS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** The base seed: `REGCTL_FAULT_SEED`, else a fixed one so CI runs are reproducible. */
export function faultSeed(): string {
  return process.env.REGCTL_FAULT_SEED || 'regctl-faults-1';
}

/** Saves `records` as `<name>.json` in the report directory, when one is set. */
export async function saveReport(name: string, records: ReportRecord[]): Promise<void> {
  const dir = process.env.REGCTL_FAULT_REPORT_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${name}.json`), JSON.stringify({ name, seed: faultSeed(), records }, null, 1));
}
