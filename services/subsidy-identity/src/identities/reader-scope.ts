import { type Actor, OutOfScopeError } from '@rmi/service-kit';

/** What of identity spells a caller may read: one department's (a feed key) and a region's (a key with one). */
export interface SpellScope {
  /** null: every department. */
  department: string | null;
  /** A division code the spells' villages must start with; null: everywhere. */
  regionPrefix: string | null;
}

/**
 * Admin (and other services) read everything; a department feed key its own department's spells,
 * inside its region when it has one; operators and collectors every department's, inside their
 * region. A key of those roles without a region (which key administration does not issue) sees
 * nothing rather than everything.
 */
export function spellScopeOf(actor: Pick<Actor, 'role' | 'regionCode' | 'department'>): SpellScope {
  if (actor.role === 'admin' || actor.role === 'service') return { department: null, regionPrefix: null };
  if (actor.role === 'department-feed') {
    return { department: actor.department ?? '-', regionPrefix: actor.regionCode };
  }
  return { department: null, regionPrefix: actor.regionCode ?? '-' };
}

/**
 * The region and department a query asks for, narrowed to what the key may read: a region outside
 * the key's, or another department than a feed key's own, is 403 OUT_OF_SCOPE (never an empty answer
 * that would read as "nobody there").
 */
export function narrowScope(
  scope: SpellScope,
  asked: { department?: string | undefined; regionCode?: string | undefined },
): SpellScope {
  let department = scope.department;
  if (asked.department !== undefined) {
    if (department !== null && asked.department !== department) {
      throw new OutOfScopeError(`The ${asked.department} department`);
    }
    department = asked.department;
  }
  let regionPrefix = scope.regionPrefix;
  if (asked.regionCode !== undefined) {
    if (regionPrefix !== null && !asked.regionCode.startsWith(regionPrefix)) {
      throw new OutOfScopeError(`Region ${asked.regionCode}`);
    }
    regionPrefix = asked.regionCode;
  }
  return { department, regionPrefix };
}
