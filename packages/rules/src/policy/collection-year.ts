import { yearOf } from '../civil-date.js';
import { findPolicy } from './find.js';
import type { PolicyDocument } from './schema.js';

/**
 * The insurance year being collected on `day` where `regionCode` lies: the next year once that
 * year's policy has opened its concentrated period (it opens the autumn before the year it
 * insures: 2024-09-14 for 2025, 003#三), otherwise the calendar year of `day` (late payments run
 * into the insured year itself, to 30 September in Chongqing). Without a region, any policy of the
 * next year that has opened counts.
 */
export function collectionYear(policies: readonly PolicyDocument[], regionCode: string | null, day: string): number {
  const year = yearOf(day);
  const next = regionCode
    ? [findPolicy(policies, regionCode, year + 1)].filter((p) => p !== undefined)
    : policies.filter((p) => p.year === year + 1);
  return next.some((p) => p.periods.concentrated.from <= day) ? year + 1 : year;
}
