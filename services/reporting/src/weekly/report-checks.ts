import type { FieldError } from '@rmi/contracts';
import { findPolicy, type PolicyDocument } from '@rmi/rules';
import { type Actor, OutOfScopeError, regionInScope, ValidationError } from '@rmi/service-kit';
import type { ReportingDeps } from '../deps.js';
import { regionOf } from '../progress/report-scope.js';
import type { RegionRow } from '../regions/regions.repository.js';

/** Who reads a report: its role and region decide what it may see (a Principal or an Actor). */
export type Reader = Pick<Actor, 'role' | 'regionCode'>;

export const TOWNSHIP_CODE = /^\d{9}$/;
/** Province 2, city 4, county 6, township 9, village 12 digits. */
export const REGION_CODE = /^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$/;

/** Throws VALIDATION_FAILED listing every field given, when any is. */
export function refuse(errors: readonly FieldError[]): void {
  if (errors.length > 0) throw new ValidationError([...errors]);
}

/** The region asked for, once the reader may see it: OUT_OF_SCOPE outside, REGION_NOT_FOUND unknown. */
export async function regionFor(deps: ReportingDeps, reader: Reader, code: string): Promise<RegionRow> {
  if (!regionInScope(reader, code)) throw new OutOfScopeError(`Region ${code}`);
  return regionOf(deps, code);
}

/** The policy in force for a region's year, if any (findPolicy over the catalog). */
export async function policyFor(
  deps: ReportingDeps,
  regionCode: string,
  year: number,
): Promise<PolicyDocument | undefined> {
  return findPolicy(await deps.catalog.documents(), regionCode, year);
}

/** The field error of a year no policy in force covers: an unknown year. */
export function noPolicy(regionCode: string, year: number, path = 'year'): FieldError {
  return { path, message: `No policy in force covers ${regionCode} for the year ${year}.` };
}
