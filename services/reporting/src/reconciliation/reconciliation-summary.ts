import type { Principal } from '@rmi/service-kit';
import { sql } from 'kysely';
import type { ReportingDeps } from '../deps.js';
import { codeRange, regionOf, reportPolicy } from '../progress/report-scope.js';

export interface ClassCount {
  class: string;
  persons: number;
  expectedFen: number;
  paidFen: number;
  owedFen: number;
}

export interface ReconciliationSummary {
  runId: string;
  runRegionCode: string;
  year: number;
  asOf: string;
  createdAt: string;
  classes: ClassCount[];
}

/**
 * The latest reconciliation run of the year covering the region (run for it or for a region it
 * lies in), its person-years counted by class within the region; null when none has run. A run of
 * the region itself counts every item, those without a village too.
 */
export async function reconciliationOf(
  deps: ReportingDeps,
  principal: Principal,
  args: { regionCode: string; year: number },
): Promise<ReconciliationSummary | null> {
  const { regionCode, year } = args;
  await reportPolicy(deps, principal, regionCode, year);
  await regionOf(deps, regionCode);
  const { from, to } = codeRange(regionCode);
  const { rows } = await sql<{
    run_id: string;
    region_code: string;
    year: number;
    as_of: Date;
    created_at: Date;
    class: string | null;
    persons: number | null;
    expected_fen: number | null;
    paid_fen: number | null;
    owed_fen: number | null;
  }>`
    with run as (
      select run_id, region_code, year, as_of, created_at
      from payment.v_reconciliation_runs
      where year = ${year} and starts_with(${regionCode}, region_code)
      order by created_at desc, run_id desc
      limit 1
    )
    select run.*, i.class, i.persons, i.expected_fen, i.paid_fen, i.owed_fen
    from run
    left join lateral (
      select class, count(*)::int as persons, coalesce(sum(expected_fen), 0)::bigint as expected_fen,
             sum(paid_fen)::bigint as paid_fen, coalesce(sum(owed_fen), 0)::bigint as owed_fen
      from payment.v_reconciliation_items
      where run_id = run.run_id
        and (run.region_code = ${regionCode} or (village_code >= ${from} and village_code < ${to}))
      group by class
    ) i on true
    order by i.class`.execute(deps.db);
  const run = rows[0];
  if (!run) return null;
  return {
    runId: run.run_id,
    runRegionCode: run.region_code,
    year: run.year,
    asOf: new Date(run.as_of).toISOString(),
    createdAt: new Date(run.created_at).toISOString(),
    classes: rows
      .filter((r) => r.class !== null)
      .map((r) => ({
        class: r.class as string,
        persons: r.persons ?? 0,
        expectedFen: r.expected_fen ?? 0,
        paidFen: r.paid_fen ?? 0,
        owedFen: r.owed_fen ?? 0,
      })),
  };
}
