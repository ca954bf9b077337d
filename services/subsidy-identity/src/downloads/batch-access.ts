import { type Actor, ForbiddenRoleError, OutOfScopeError } from '@rmi/service-kit';

/** Who may read a batch's downloads besides admin (contracts/auth.md). */
export const BATCH_READERS = ['department-feed', 'county-operator', 'township-operator'] as const;

export interface BatchReadScope {
  /** Only changes with a village under this region are shown; null: the whole batch. */
  regionPrefix: string | null;
}

/**
 * Whether `actor` may read a batch, and how much of it. The batch's own department feed key, and
 * the county and township operators, read a batch whose scope lies in their region whole; a batch
 * of a wider scope (the department's whole list) they read as far as their region goes; a batch
 * of another region, or (for a feed key) of another department, is 403 OUT_OF_SCOPE.
 */
export function batchReadScope(
  actor: Pick<Actor, 'role' | 'regionCode' | 'department'>,
  batch: { id: string; department: string; scope_region_code: string | null },
): BatchReadScope {
  if (actor.role === 'admin') return { regionPrefix: null };
  if (!BATCH_READERS.includes(actor.role as never)) throw new ForbiddenRoleError(actor.role ?? 'none', BATCH_READERS);
  if (actor.role === 'department-feed' && actor.department !== batch.department) {
    throw new OutOfScopeError(`Batch ${batch.id} of ${batch.department}`);
  }
  const region = actor.regionCode;
  if (region === null) {
    // A feed key of the whole department; operators always have a region.
    if (actor.role === 'department-feed') return { regionPrefix: null };
    throw new OutOfScopeError(`Batch ${batch.id}`);
  }
  const scope = batch.scope_region_code;
  if (scope?.startsWith(region)) return { regionPrefix: null };
  if (scope === null || region.startsWith(scope)) return { regionPrefix: region };
  throw new OutOfScopeError(`Batch ${batch.id}`);
}
