import { type Principal, ValidationError } from '@rmi/service-kit';
import { sql } from 'kysely';
import type { ReportingDeps } from '../deps.js';
import { civilDateArg, codeRange, regionOf, reportPolicy } from './report-scope.js';

export interface ChannelSum {
  channel: string;
  payments: number;
  amountFen: number;
  assistanceFen: number;
  reversals: number;
  reversedFen: number;
}

export interface Funding {
  regionCode: string;
  year: number;
  from: string | null;
  to: string | null;
  personalFen: number;
  assistanceFen: number;
  fiscalFen: number;
  byChannel: ChannelSum[];
}

/**
 * The money of a region's enrolments paid between two days (inclusive; open at either end when a
 * day is omitted), by source (personal, assistance, fiscal subsidy) from the daily counters, and
 * the payments behind it by channel from the channel counters.
 */
export async function fundingOf(
  deps: ReportingDeps,
  principal: Principal,
  args: { regionCode: string; year: number; from?: string | null; to?: string | null },
): Promise<Funding> {
  const { regionCode, year } = args;
  const from = args.from == null ? null : civilDateArg('from', args.from);
  const to = args.to == null ? null : civilDateArg('to', args.to);
  if (from !== null && to !== null && from > to) {
    throw new ValidationError(
      [{ path: 'from', message: `from (${from}) is after to (${to}).` }],
      `from (${from}) is after to (${to}).`,
    );
  }
  await reportPolicy(deps, principal, regionCode, year);
  await regionOf(deps, regionCode);
  const range = codeRange(regionCode);
  const within = sql`year = ${year} and village_code >= ${range.from} and village_code < ${range.to}
    ${from === null ? sql`` : sql`and day >= ${from}::date`} ${to === null ? sql`` : sql`and day <= ${to}::date`}`;
  const [money, channels] = await Promise.all([
    sql<{ personal_fen: number; assistance_fen: number; fiscal_fen: number }>`
      select coalesce(sum(personal_fen), 0)::bigint as personal_fen,
             coalesce(sum(assistance_fen), 0)::bigint as assistance_fen,
             coalesce(sum(fiscal_fen), 0)::bigint as fiscal_fen
      from reporting.daily_counters
      where ${within}`.execute(deps.db),
    sql<ChannelSum>`
      select channel, sum(payments)::int as payments, sum(amount_fen)::bigint as "amountFen",
             sum(assistance_fen)::bigint as "assistanceFen", sum(reversals)::int as reversals,
             sum(reversed_fen)::bigint as "reversedFen"
      from reporting.channel_counters
      where ${within}
      group by channel
      order by channel`.execute(deps.db),
  ]);
  const sums = money.rows[0] ?? { personal_fen: 0, assistance_fen: 0, fiscal_fen: 0 };
  return {
    regionCode,
    year,
    from,
    to,
    personalFen: sums.personal_fen,
    assistanceFen: sums.assistance_fen,
    fiscalFen: sums.fiscal_fen,
    byChannel: channels.rows,
  };
}
