import { type Actor, assertRegionInScope } from '@rmi/service-kit';
import { sql } from 'kysely';
import type { PaymentDb } from '../db.js';

// What the medical-assistance fund paid on people's behalf (代缴), per person and year, across
// its request batches (contracts/payments.md "Importing exports"): the assistance of effective
// payments on channel `assistance` (a reversed payment no longer counts), in ID-number order.

export interface AssistanceTotalsQuery {
  regionCode: string;
  year: number;
  idNumber?: string | undefined;
  after?: string | undefined;
  limit: number;
}

export interface AssistanceTotal {
  idNumber: string;
  year: number;
  assistanceFen: number;
  payments: number;
  batches: string[];
}

/** Region codes are digits: every village code under `region` lies between these two. */
const regionRange = (region: string) => [region, `${region}${'9'.repeat(12 - region.length)}`] as const;

export function createAssistanceTotals(db: PaymentDb) {
  return {
    /** A page of people with their totals, after `after` (an ID number) in ID-number order. */
    async page(actor: Actor, query: AssistanceTotalsQuery): Promise<{ items: AssistanceTotal[]; next: string | null }> {
      assertRegionInScope(actor, query.regionCode, `Region ${query.regionCode}`);
      const [from, to] = regionRange(query.regionCode);
      const { rows } = await sql<{
        id_number: string;
        year: number;
        assistance_fen: string;
        payments: number;
        batches: string[];
      }>`
        select p.id_number, p.year, sum(p.assistance_fen) as assistance_fen, count(*)::int as payments,
               coalesce(array_agg(distinct p.request_batch order by p.request_batch)
                          filter (where p.request_batch is not null), '{}') as batches
        from payment.payments p
        where p.channel = 'assistance' and p.year = ${query.year}
          and p.village_code between ${from} and ${to}
          and not exists (select 1 from payment.reversals r where r.payment_id = p.id)
          ${query.idNumber === undefined ? sql`` : sql`and p.id_number = ${query.idNumber}`}
          ${query.after === undefined ? sql`` : sql`and p.id_number > ${query.after}`}
        group by p.id_number, p.year
        order by p.id_number
        limit ${query.limit + 1}`.execute(db);
      const items = rows.slice(0, query.limit).map((r) => ({
        idNumber: r.id_number,
        year: r.year,
        assistanceFen: Number(r.assistance_fen),
        payments: r.payments,
        batches: r.batches,
      }));
      return { items, next: rows.length > query.limit ? (items[items.length - 1]?.idNumber ?? null) : null };
    },
  };
}
