import type { ReconciliationRun } from '@rmi/contracts';
import { RECONCILIATION_CLASSES, type ReconciliationClass } from '@rmi/rules';
import type { ItemRow, RunRow } from './reconciliations.repository.js';
import type { ClassTotals } from './run-statement.js';

/** A run as answered, with what the run could not decide (`notes`). */
export type RunAnswer = ReconciliationRun;

export interface RunTotals {
  expectedFen: number;
  paidFen: number;
  owedFen: number;
  unmatchedFen: number;
}

/** Person-years per class, every class listed (zeros too), from what the run statement wrote. */
export function countsOf(perClass: readonly ClassTotals[]): Record<ReconciliationClass, number> {
  const counts = Object.fromEntries(RECONCILIATION_CLASSES.map((c) => [c, 0])) as Record<ReconciliationClass, number>;
  for (const row of perClass) counts[row.class] = Number(row.n);
  return counts;
}

export function totalsOf(perClass: readonly ClassTotals[]): RunTotals {
  let expectedFen = 0;
  let paidFen = 0;
  let owedFen = 0;
  let unmatchedFen = 0;
  for (const row of perClass) {
    expectedFen += Number(row.expected_fen);
    paidFen += Number(row.paid_fen);
    owedFen += Number(row.owed_fen);
    if (row.class === 'paid-not-enrolled') unmatchedFen += Number(row.paid_fen);
  }
  return { expectedFen, paidFen, owedFen, unmatchedFen };
}

/** A stored run. */
export function toRun(row: RunRow): RunAnswer {
  const totals = row.totals as Partial<RunTotals>;
  const counts = Object.fromEntries(RECONCILIATION_CLASSES.map((c) => [c, Number(row.counts[c] ?? 0)]));
  return {
    runId: row.id,
    regionCode: row.region_code,
    year: row.year,
    asOf: new Date(row.as_of).toISOString(),
    counts,
    totalsFen: {
      expectedFen: Number(totals.expectedFen ?? 0),
      paidFen: Number(totals.paidFen ?? 0),
      owedFen: Number(totals.owedFen ?? 0),
      unmatchedFen: Number(totals.unmatchedFen ?? 0),
    },
    createdAt: new Date(row.created_at).toISOString(),
    notes: Array.isArray(row.notes) ? row.notes.map(String) : [],
  };
}

export function toItem(r: ItemRow) {
  return {
    idNumber: r.id_number,
    name: r.name,
    villageCode: r.village_code,
    class: r.class,
    expectedFen: r.expected_fen === null ? null : Number(r.expected_fen),
    paidFen: Number(r.paid_fen),
    owedFen: r.owed_fen === null ? null : Number(r.owed_fen),
    paymentIds: r.payment_ids,
  };
}
