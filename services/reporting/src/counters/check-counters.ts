import type { ReportingDeps } from '../deps.js';
import type { CounterCheck, CounterDifference } from './counter-shapes.js';
import { COUNTER_TABLES, differenceStatement } from './counter-sql.js';

const MAX_DIFFERENCES = 20;

/**
 * Every counter table compared with the GROUP BY over the views it is kept from, all in one
 * snapshot: whether they are equal, and the first differences.
 */
export async function checkCounters(deps: Pick<ReportingDeps, 'db'>): Promise<CounterCheck> {
  const differences = await deps.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const found: CounterDifference[] = [];
      for (const table of COUNTER_TABLES) {
        const left = MAX_DIFFERENCES - found.length;
        if (left <= 0) break;
        const { rows } = await differenceStatement(table, left).execute(trx);
        found.push(...rows.map((r) => ({ table: table.name, ...r })));
      }
      return found;
    });
  return { equal: differences.length === 0, differences };
}
