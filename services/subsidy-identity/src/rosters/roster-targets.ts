import type { RosterTotal } from '@rmi/contracts';
import { canonicalIdentityOrder, findPolicy, type PolicyDocument } from '@rmi/rules';

/** A totals row as the statement returns it. */
export interface TotalsRow {
  level: 'village' | 'township' | 'all';
  township_code: string | null;
  village_code: string | null;
  identity: string | null;
  persons: number;
  unregistered: number;
  registered: number;
  paid: number;
  paid_fen: number;
}

/**
 * The goal a policy sets for paying special groups (`targets.specialGroups`: 100% in 2023 and 2024
 * and in Xiaoyi, 99% in 2025, 003#一): for one identity, when the policy lists it (a goal without
 * a list covers every identity); for everyone of a group, when it covers every identity there.
 * None when the policy sets no goal.
 */
export function specialGroupGoal(
  policy: PolicyDocument | undefined,
  identity: string | null,
  identitiesInGroup: readonly string[],
): { percent: number; source: string } | null {
  const goal = policy?.targets?.specialGroups;
  if (!goal) return null;
  const covers = (code: string) => !goal.identities || goal.identities.includes(code);
  const covered = identity === null ? identitiesInGroup.every(covers) : covers(identity);
  return covered ? { percent: goal.minRatePercent, source: goal.source } : null;
}

const percentOf = (paid: number, persons: number) => (persons === 0 ? null : Math.round((paid * 1000) / persons) / 10);

/** A group's totals, everyone first, then each identity in the order of identity-types.md. */
export function groupTotals(rows: readonly TotalsRow[], policy: PolicyDocument | undefined): RosterTotal[] {
  const identities = canonicalIdentityOrder(rows.flatMap((r) => (r.identity === null ? [] : [r.identity])));
  const ordered = [
    ...rows.filter((r) => r.identity === null),
    ...identities.map((code) => rows.find((r) => r.identity === code) as TotalsRow),
  ];
  return ordered.map((r) => {
    const goal = specialGroupGoal(policy, r.identity, identities);
    const percentPaid = percentOf(r.paid, r.persons);
    return {
      identity: r.identity,
      persons: r.persons,
      unregistered: r.unregistered,
      registered: r.registered,
      paid: r.paid,
      paidFen: r.paid_fen,
      percentPaid,
      targetPercent: goal?.percent ?? null,
      targetSource: goal?.source ?? null,
      targetMet: goal && percentPaid !== null ? percentPaid >= goal.percent : null,
    };
  });
}

/** The policy of a group: the one for its region and year, found by rules. */
export function policyOfGroup(
  policies: readonly PolicyDocument[],
  code: string | null,
  year: number,
): PolicyDocument | undefined {
  return code === null ? undefined : findPolicy(policies, code, year);
}
