import type { Db } from '@rmi/db';

/** What `scripts/bench.ts` hands each benchmark: a freshly migrated and seeded database. */
export interface BenchContext {
  /** URL of the benchmark database, for code that opens its own pool as a service does. */
  url: string;
  db: Db;
}

/** The default export of `bench/<name>/index.ts`. */
export type Benchmark = (context: BenchContext) => Promise<void>;

export type GoalOperator = '>=' | '<=';

/** Positive number of seconds from the environment, or the fallback. */
export function seconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number of seconds, got ${raw}`);
  return value;
}

/**
 * The line every benchmark ends with, `<name>: ratio <x> (goal <op> <y>)`. Tools compare runs by
 * parsing it, so its shape never changes.
 */
export function resultLine(name: string, ratio: number, op: GoalOperator, goal: number): string {
  return `${name}: ratio ${ratio.toFixed(2)} (goal ${op} ${goal})`;
}

/** A plain fixed-width table; columns whose cells are all numbers are right-aligned. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => /^[<>]?[\d.]+$/.test(r[i] ?? '')));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
