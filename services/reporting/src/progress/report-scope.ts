import { findPolicy, isCivilDate, type PolicyDocument } from '@rmi/rules';
import { NotFoundError, OutOfScopeError, type Principal, regionInScope, ValidationError } from '@rmi/service-kit';
import type { ReportingDeps } from '../deps.js';
import { createRegionViewRepository, type RegionRow } from '../regions/regions.repository.js';

// What every report checks before it reads: the key's scope, the region, the year's policy and
// the days it is given.

/** Code length one level down: province 2 → city 4 → county 6 → township 9 → village 12. */
const CHILD_LENGTH: Readonly<Record<number, number>> = { 2: 4, 4: 6, 6: 9, 9: 12 };

/** The code length of a region's children; undefined for a village (or a code of no level). */
export const childLengthOf = (code: string): number | undefined => CHILD_LENGTH[code.length];

/**
 * The bounds of the codes inside a region, for `code >= from and code < to`: under the C collation
 * a `like 'prefix%'` cannot use a btree index, a range can (digits sort before ':').
 */
export const codeRange = (regionCode: string) => ({ from: regionCode, to: `${regionCode}:` });

export function assertInScope(principal: Principal, regionCode: string): void {
  if (!regionInScope(principal, regionCode)) throw new OutOfScopeError(`Region ${regionCode}`);
}

export async function regionOf(deps: Pick<ReportingDeps, 'db'>, regionCode: string): Promise<RegionRow> {
  const region = await createRegionViewRepository(deps.db).find(regionCode);
  if (!region) throw new NotFoundError('REGION_NOT_FOUND', `No region ${regionCode}.`);
  return region;
}

/**
 * The policy in force for a region and year, after the scope check: a year no policy covers is
 * VALIDATION_FAILED. The region is looked up only then, so an unknown region reads
 * REGION_NOT_FOUND rather than a bad year; a report that reads the region anyway learns of an
 * unknown one from its own statement.
 */
export async function reportPolicy(
  deps: ReportingDeps,
  principal: Principal,
  regionCode: string,
  year: number,
): Promise<PolicyDocument> {
  assertInScope(principal, regionCode);
  const policy = findPolicy(await deps.catalog.documents(), regionCode, year);
  if (policy) return policy;
  await regionOf(deps, regionCode);
  throw new ValidationError(
    [{ path: 'year', message: `No policy covers region ${regionCode} for ${year}.` }],
    `No policy covers region ${regionCode} for ${year}.`,
  );
}

/** A Date argument: YYYY-MM-DD and a real day, or VALIDATION_FAILED naming the argument. */
export function civilDateArg(name: string, value: string): string {
  if (!isCivilDate(value)) {
    throw new ValidationError(
      [{ path: name, message: `${name} must be a day, YYYY-MM-DD.` }],
      `${name} must be a day, YYYY-MM-DD: ${JSON.stringify(value).slice(0, 40)}.`,
    );
  }
  return value;
}
