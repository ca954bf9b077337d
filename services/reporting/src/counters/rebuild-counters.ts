import { sql } from 'kysely';
import type { ReportingDeps } from '../deps.js';
import type { RebuildResult } from './counter-shapes.js';
import { ALL, COUNTER_TABLES, writeStatement } from './counter-sql.js';

export type { RebuildResult };

/**
 * Every counter recomputed from the published views in one transaction (`pnpm rebuild-counters`,
 * `POST /v1/counters/rebuild`). The tables are locked first against deliveries refreshing them
 * (which wait, then refresh on top) and against another rebuild; readers go on reading the figures
 * as they stood until the commit. Rows already right are not rewritten.
 */
export async function rebuildCounters(deps: Pick<ReportingDeps, 'db'>): Promise<RebuildResult> {
  const started = performance.now();
  const rows = await deps.db.transaction().execute(async (trx) => {
    await sql`lock table ${sql.join(COUNTER_TABLES.map((t) => sql.table(`reporting.${t.name}`)))}
      in share row exclusive mode`.execute(trx);
    const counts: number[] = [];
    for (const table of COUNTER_TABLES) {
      const { rows } = await writeStatement(table, ALL).execute(trx);
      counts.push(rows[0]?.rows ?? 0);
    }
    return counts;
  });
  const [villageRows = 0, groupRows = 0, dailyRows = 0, channelRows = 0] = rows;
  return { villageRows, groupRows, dailyRows, channelRows, ms: Math.round(performance.now() - started) };
}
