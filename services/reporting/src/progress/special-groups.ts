import type { PolicyDocument } from '@rmi/rules';
import type { Principal } from '@rmi/service-kit';
import { sql } from 'kysely';
import type { ReportingDeps } from '../deps.js';
import { figuresSource } from './progress.js';
import { codeRange, regionOf, reportPolicy } from './report-scope.js';

export interface GroupCoverageRow {
  identity: string;
  department: string;
  certified: number;
  enrolled: number;
  paid: number;
  /** paid / certified; 1 when nobody is certified. */
  rate: number;
  /** 0..1 from the policy's specialGroups, or null when it sets none for the identity. */
  goal: number | null;
  met: boolean | null;
}

/**
 * The policy's goal for an identity (targets.specialGroups): the minimum rate for the identities
 * it lists, or for every identity when it lists none; null when it sets no goal for this one.
 */
export function goalFor(policy: PolicyDocument, identity: string): number | null {
  const groups = policy.targets?.specialGroups;
  if (!groups) return null;
  if (groups.identities && !groups.identities.includes(identity)) return null;
  return groups.minRatePercent / 100;
}

/** Special groups of a region for a year, per department and identity, against the policy's goal. */
export async function specialGroupsOf(
  deps: ReportingDeps,
  principal: Principal,
  args: { regionCode: string; year: number; asOf?: string | null },
): Promise<GroupCoverageRow[]> {
  const { regionCode, year } = args;
  const policy = await reportPolicy(deps, principal, regionCode, year);
  await regionOf(deps, regionCode);
  const source = await figuresSource(deps, year, args.asOf ?? null);
  const { from, to } = codeRange(regionCode);
  const groups =
    source.snapshotId === null
      ? sql`reporting.group_counters where year = ${year}`
      : sql`reporting.snapshot_groups where snapshot_id = ${source.snapshotId}::uuid`;
  const { rows } = await sql<{
    identity: string;
    department: string;
    certified: number;
    enrolled: number;
    paid: number;
  }>`
    select identity_code as identity, department, sum(certified)::int as certified,
           sum(enrolled)::int as enrolled, sum(paid)::int as paid
    from ${groups} and village_code >= ${from} and village_code < ${to}
    group by department, identity_code
    order by department, identity_code`.execute(deps.db);
  return rows.map((r) => {
    const rate = r.certified === 0 ? 1 : r.paid / r.certified;
    const goal = goalFor(policy, r.identity);
    return { ...r, rate, goal, met: goal === null ? null : rate >= goal };
  });
}
