// The truncated-file guard (contracts/identity-feeds.md): a snapshot cut short by a broken
// download or a sheet copied half must not wipe a roster. It is held, nothing applied, when it
// would remove more than `maxRemovalShare` of the department's current list in its scope, or when
// its valid rows are fewer than `minRowShare` of the previous applied snapshot's.

export interface GuardFacts {
  removed: number;
  /** The department's current list in the batch's scope, before it. */
  currentList: number;
  valid: number;
  /** Valid rows of the previous applied snapshot of the same scope; null when there is none. */
  previousValid: number | null;
  maxRemovalShare: number;
  minRowShare: number;
}

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

/** Why a snapshot is held (a clause for a sentence), or null when it may be applied. */
export function guardReason(f: GuardFacts): string | null {
  const reasons: string[] = [];
  if (f.currentList > 0 && f.removed > f.maxRemovalShare * f.currentList) {
    reasons.push(
      `it would remove ${f.removed} of the ${f.currentList} on the current list (${percent(f.removed / f.currentList)}), ` +
        `more than ${percent(f.maxRemovalShare)}`,
    );
  }
  if (f.previousValid !== null && f.valid < f.minRowShare * f.previousValid) {
    reasons.push(
      `it has ${f.valid} valid rows, fewer than ${percent(f.minRowShare)} of the ${f.previousValid} of the previous snapshot`,
    );
  }
  return reasons.length === 0 ? null : reasons.join('; ');
}
