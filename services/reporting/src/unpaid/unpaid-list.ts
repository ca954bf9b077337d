import { maskIdNumber, maskName } from '@rmi/rules';
import { type Principal, ValidationError } from '@rmi/service-kit';
import { sql } from 'kysely';
import { z } from 'zod';
import type { ReportingDeps } from '../deps.js';
import { codeRange, regionOf, reportPolicy } from '../progress/report-scope.js';
import type { RegionRow } from '../regions/regions.repository.js';

export interface UnpaidPersonRow {
  /** Whole, or masked (maskIdNumber) unless the role sees persons whole. */
  idNumber: string;
  name: string | null;
  villageCode: string;
  villageName: string;
  village: RegionRow;
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

export const MAX_PAGE = 200;

/** Roles that see a person's ID number and name whole; every other reader (a dashboard) sees them masked. */
const SEES_PERSONS_WHOLE: ReadonlySet<string> = new Set(['admin', 'county-operator', 'township-operator']);

/** The last row of a page: where the next one starts. */
const CursorShape = z.tuple([z.string().regex(/^\d{12}$/), z.string().regex(/^\d{17}[\dX]$/)]);

const encodeCursor = (villageCode: string, idNumber: string) =>
  Buffer.from(JSON.stringify([villageCode, idNumber])).toString('base64url');

function decodeCursor(after: string): z.infer<typeof CursorShape> {
  try {
    return CursorShape.parse(JSON.parse(Buffer.from(after, 'base64url').toString('utf8')));
  } catch {
    throw new ValidationError(
      [{ path: 'after', message: 'after must be an endCursor of this list.' }],
      'after is not a cursor of this list.',
    );
  }
}

/** Registered and unpaid persons of a region for a year, in (village, ID number) order, keyset-paged. */
export async function unpaidPage(
  deps: ReportingDeps,
  principal: Principal,
  args: { regionCode: string; year: number; first: number; after?: string | null },
): Promise<UnpaidPage> {
  const { regionCode, year, first } = args;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
    throw new ValidationError(
      [{ path: 'first', message: `first must be 1 to ${MAX_PAGE}.` }],
      `first must be 1 to ${MAX_PAGE}, not ${first}.`,
    );
  }
  const after = args.after == null ? null : decodeCursor(args.after);
  await reportPolicy(deps, principal, regionCode, year);
  await regionOf(deps, regionCode);
  const { from, to } = codeRange(regionCode);
  const [page, total] = await Promise.all([
    sql<{ id_number: string; name: string; category: string; village_name: string } & Omit<RegionRow, 'name'>>`
      select f.id_number, f.name, f.category, r.code, r.name as village_name, r.level, r.parent_code,
             r.child_count::int as child_count
      from enrollment.v_enrollment_facts f
      join reporting.v_regions r on r.code = f.village_code
      where f.year = ${year} and f.stored_status = 'registered'
        and f.village_code >= ${from} and f.village_code < ${to}
        ${after === null ? sql`` : sql`and (f.village_code, f.id_number) > (${after[0]}, ${after[1]})`}
      order by f.village_code, f.id_number
      limit ${first + 1}`.execute(deps.db),
    // The count is the counters' (kept from events), not a scan of the register.
    sql<{ total: number }>`
      select coalesce(sum(registered), 0)::int as total
      from reporting.village_counters
      where year = ${year} and village_code >= ${from} and village_code < ${to}`.execute(deps.db),
  ]);
  const whole = SEES_PERSONS_WHOLE.has(principal.role);
  const rows = page.rows.slice(0, first);
  const last = rows.at(-1);
  return {
    totalCount: total.rows[0]?.total ?? 0,
    nodes: rows.map((r) => {
      const village = {
        code: r.code,
        name: r.village_name,
        level: r.level,
        parent_code: r.parent_code,
        child_count: r.child_count,
      };
      return {
        idNumber: whole ? r.id_number : maskIdNumber(r.id_number),
        name: whole ? r.name : maskName(r.name),
        villageCode: village.code,
        villageName: village.name,
        village,
        category: r.category,
        masked: !whole,
      };
    }),
    hasNextPage: page.rows.length > first,
    endCursor: last ? encodeCursor(last.code, last.id_number) : null,
  };
}
