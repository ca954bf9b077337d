import type { Principal } from '@rmi/service-kit';
import type { ReportingDeps } from '../deps.js';

export interface UnpaidPersonRow {
  /** Whole, or masked (maskIdNumber) unless the role sees persons whole. */
  idNumber: string;
  name: string | null;
  villageCode: string;
  villageName: string;
  category: string;
  masked: boolean;
}

export interface UnpaidPage {
  totalCount: number;
  nodes: UnpaidPersonRow[];
  hasNextPage: boolean;
  /** Opaque; pass as `after` for the next page. */
  endCursor: string | null;
}

/** Registered and unpaid persons of a region for a year, in (village, ID number) order, keyset-paged. */
export async function unpaidPage(
  _deps: ReportingDeps,
  _principal: Principal,
  _args: { regionCode: string; year: number; first: number; after?: string | null },
): Promise<UnpaidPage> {
  throw new Error('unpaidPage: not built yet');
}
