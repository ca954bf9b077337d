import { sql } from 'kysely';
import type { PaymentDb } from '../db.js';

/** One day, channel and village of the summary. */
export interface ChannelSummaryRow {
  day: string;
  channel: string;
  channelName: string | null;
  villageCode: string | null;
  payments: number;
  paymentsFen: number;
  reversals: number;
  reversalsFen: number;
}

/**
 * Payments by the day they were paid and reversals by the day they were reversed, per channel and
 * village, in one set-based pass over `payment.payments` and `payment.reversals`. A payment's sum
 * is all the money its voucher carries: the personal part and the part paid on the person's behalf
 * (代缴), as the channel's bank statement shows it; a reversal takes back the same. `regionPrefix`
 * '' reads every payment, those without a village included.
 */
export async function channelSummaryRows(
  db: PaymentDb,
  scope: { regionPrefix: string; from: string; to: string },
): Promise<ChannelSummaryRow[]> {
  const { from, to } = scope;
  const inRegion = scope.regionPrefix === '' ? sql`true` : sql`p.village_code like ${`${scope.regionPrefix}%`}`;
  const { rows } = await sql<{
    day: string;
    channel: string;
    channel_name: string | null;
    village_code: string | null;
    payments: number;
    payments_fen: number;
    reversals: number;
    reversals_fen: number;
  }>`
    with moves as (
      select p.paid_on as day, p.channel, p.village_code,
             1 as payments, p.amount_fen + p.assistance_fen as payments_fen, 0 as reversals, 0::bigint as reversals_fen
      from payment.payments p
      where p.paid_on between ${from}::date and ${to}::date and ${inRegion}
      union all
      select r.reversed_on, p.channel, p.village_code, 0, 0, 1, p.amount_fen + p.assistance_fen
      from payment.reversals r
      join payment.payments p on p.id = r.payment_id
      where r.reversed_on between ${from}::date and ${to}::date and ${inRegion}
    )
    select m.day, m.channel, c.name as channel_name, m.village_code,
           sum(m.payments)::bigint as payments, sum(m.payments_fen)::bigint as payments_fen,
           sum(m.reversals)::bigint as reversals, sum(m.reversals_fen)::bigint as reversals_fen
    from moves m
    left join payment.channels c on c.code = m.channel
    group by m.day, m.channel, c.name, m.village_code
    order by m.day, m.channel, m.village_code nulls last`.execute(db);
  return rows.map((r) => ({
    day: r.day,
    channel: r.channel,
    channelName: r.channel_name,
    villageCode: r.village_code,
    payments: Number(r.payments),
    paymentsFen: Number(r.payments_fen),
    reversals: Number(r.reversals),
    reversalsFen: Number(r.reversals_fen),
  }));
}
