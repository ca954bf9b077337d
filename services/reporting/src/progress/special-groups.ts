import type { Principal } from '@rmi/service-kit';
import type { ReportingDeps } from '../deps.js';

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

/** Special groups of a region for a year, per department and identity, against the policy's goal. */
export async function specialGroupsOf(
  _deps: ReportingDeps,
  _principal: Principal,
  _args: { regionCode: string; year: number; asOf?: string | null },
): Promise<GroupCoverageRow[]> {
  throw new Error('specialGroupsOf: not built yet');
}
