import type { FieldError } from '@rmi/contracts';
import { isIsoWeek, isoWeekOf, previousWeek } from '@rmi/rules';
import type { ReportingDeps } from '../deps.js';
import { figuresOf } from '../progress/figures.js';
import { snapshotOfWeek } from '../progress/snapshot-lookup.js';
import type { RegionRow } from '../regions/regions.repository.js';
import { rankByRate, rateChange } from './ranking.js';
import { noPolicy, policyFor, type Reader, refuse, regionFor, TOWNSHIP_CODE } from './report-checks.js';
import { createWeekFiguresRepository, type VillageCounts } from './week-figures.repository.js';

export interface RankedVillage {
  region: RegionRow;
  rank: number;
  target: number;
  paid: number;
  rate: number;
  /** Rank the week before; null when that week has no snapshot. */
  previousRank: number | null;
  /** rate minus the week before's; null when that week has no snapshot. */
  rateChange: number | null;
}

export interface WeeklyReport {
  week: string;
  year: number;
  township: RegionRow;
  /** When the snapshot was taken; null for the live figures of the running week. */
  takenAt: string | null;
  closed: boolean;
  previousWeek: string | null;
  villages: RankedVillage[];
}

/**
 * A township's villages ranked by completion (paid / target) for a week (003#八(四)): from the
 * week's snapshot, or, without a week, from the live counters of the running week. Each village's
 * rank and rate are set against the snapshot of the week before, when there is one.
 * VALIDATION_FAILED: not a township code, a malformed week, a week with no snapshot, a year no
 * policy covers; OUT_OF_SCOPE outside the reader's region.
 */
export async function weeklyReport(
  deps: ReportingDeps,
  reader: Reader,
  args: { townshipCode: string; year: number; week?: string | null },
): Promise<WeeklyReport> {
  const { townshipCode, year } = args;
  const asked = args.week ?? null;
  refuse([
    ...(TOWNSHIP_CODE.test(townshipCode) ? [] : [{ path: 'townshipCode', message: 'A township code has 9 digits.' }]),
    ...(asked === null || isIsoWeek(asked)
      ? []
      : [{ path: 'week', message: `${asked} is not an ISO week (2025-W47).` }]),
  ]);
  const township = await regionFor(deps, reader, townshipCode);
  const errors: FieldError[] = [];
  if (!(await policyFor(deps, townshipCode, year))) errors.push(noPolicy(townshipCode, year));
  const week = asked ?? isoWeekOf(deps.today());
  const snapshot = asked === null ? undefined : await snapshotOfWeek(deps.db, year, asked);
  if (asked !== null && !snapshot)
    errors.push({ path: 'week', message: `No snapshot was taken of ${asked} for ${year}.` });
  refuse(errors);

  const figures = createWeekFiguresRepository(deps.db);
  const current = snapshot
    ? await figures.snapshotVillages(townshipCode, snapshot.id)
    : await figures.liveVillages(townshipCode, year);
  const before = previousWeek(week) ?? null;
  const earlier = before === null ? undefined : await snapshotOfWeek(deps.db, year, before);
  const previous = earlier ? rankByRate(standings(await figures.snapshotVillages(townshipCode, earlier.id))) : [];
  const previousOf = new Map(previous.map((p) => [p.village.code, p]));

  return {
    week,
    year,
    township,
    takenAt: snapshot?.takenAt ?? null,
    closed: snapshot?.closed ?? false,
    previousWeek: before,
    villages: rankByRate(standings(current)).map(({ village, rank }) => {
      const then = previousOf.get(village.code);
      return {
        region: village.region,
        rank,
        target: village.target,
        paid: village.paid,
        rate: village.rate,
        previousRank: then?.rank ?? null,
        rateChange: then ? rateChange(village, then.village) : null,
      };
    }),
  };
}

function standings(villages: readonly VillageCounts[]) {
  return villages.map((v) => ({ code: v.region.code, region: v.region, ...figuresOf(v) }));
}
