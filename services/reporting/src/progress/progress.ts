import type { Principal } from '@rmi/service-kit';
import type { ReportingDeps } from '../deps.js';
import type { ProgressNode } from './figures.js';

/**
 * A region's figures for a year and each region one level down, in one statement over the
 * counters (or over the snapshot of the week holding `asOf`). OUT_OF_SCOPE outside the key's
 * region, REGION_NOT_FOUND for an unknown region, VALIDATION_FAILED for a year with no policy or
 * a day with no snapshot.
 */
export async function progressOf(
  _deps: ReportingDeps,
  _principal: Principal,
  _args: { regionCode: string; year: number; asOf?: string | null },
): Promise<ProgressNode> {
  throw new Error('progressOf: not built yet');
}
