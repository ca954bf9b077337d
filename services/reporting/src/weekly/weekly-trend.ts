import type { FieldError } from '@rmi/contracts';
import { isoWeekOf } from '@rmi/rules';
import type { ReportingDeps } from '../deps.js';
import { noPolicy, policyFor, REGION_CODE, type Reader, refuse, regionFor } from './report-checks.js';
import { createWeekFiguresRepository } from './week-figures.repository.js';

export interface WeekFigure {
  week: string;
  target: number;
  paid: number;
  /** paid / target; 0 without a target. */
  rate: number;
  closed: boolean;
}

export const MAX_TREND_WEEKS = 52;

/**
 * A region's completion week by week: its totals in the last `weeks` snapshots of the year, oldest
 * first, then the running week from the live counters (closed false). VALIDATION_FAILED: a
 * malformed region code, `weeks` outside 1..52, a year no policy covers; OUT_OF_SCOPE outside the
 * reader's region.
 */
export async function weeklyTrend(
  deps: ReportingDeps,
  reader: Reader,
  args: { regionCode: string; year: number; weeks: number },
): Promise<WeekFigure[]> {
  const { regionCode, year, weeks } = args;
  refuse([
    ...(REGION_CODE.test(regionCode)
      ? []
      : [{ path: 'regionCode', message: 'A region code has 2, 4, 6, 9 or 12 digits.' }]),
    ...(Number.isInteger(weeks) && weeks >= 1 && weeks <= MAX_TREND_WEEKS
      ? []
      : [{ path: 'weeks', message: `weeks is a whole number from 1 to ${MAX_TREND_WEEKS}.` }]),
  ]);
  await regionFor(deps, reader, regionCode);
  const errors: FieldError[] = [];
  if (!(await policyFor(deps, regionCode, year))) errors.push(noPolicy(regionCode, year));
  refuse(errors);

  const running = isoWeekOf(deps.today());
  const figures = createWeekFiguresRepository(deps.db);
  const past = await figures.snapshotTotals(regionCode, year, running, weeks);
  const live = await figures.liveTotals(regionCode, year);
  const withRate = (t: { target: number; paid: number }) => ({ ...t, rate: t.target > 0 ? t.paid / t.target : 0 });
  return [
    ...past.reverse().map((w) => ({ week: w.week, ...withRate(w), closed: w.closed })),
    { week: running, ...withRate(live), closed: false },
  ];
}
