import type { PaymentStatus } from '@rmi/db';
import { sql } from 'kysely';
import type { PaymentDb } from '../db.js';
import type { PaymentCursor } from './page-cursor.js';
import type { PaymentWithReversal } from './payment-view.js';

export interface PaymentFilter {
  /** Villages under this region; null: every payment, those without a village too. */
  regionPrefix: string | null;
  year?: number | undefined;
  status?: PaymentStatus | undefined;
  channel?: string | undefined;
  idNumber?: string | undefined;
}

/** Reads of payments for the routes; writes happen in changes (record-payment.ts and beside it). */
export function createPaymentsRepository(db: PaymentDb) {
  const withReversal = (qb: PaymentDb) =>
    qb
      .selectFrom('payment.payments as p')
      .leftJoin('payment.reversals as r', 'r.payment_id', 'p.id')
      .selectAll('p')
      .select([
        'r.reversed_at',
        'r.reversed_on',
        'r.reason as reversal_reason',
        'r.voucher_number as reversal_voucher_number',
        'r.told_at as reversal_told_at',
      ]);

  return {
    async channelExists(code: string): Promise<boolean> {
      const row = await db.selectFrom('payment.channels').select('code').where('code', '=', code).executeTakeFirst();
      return row !== undefined;
    },

    /** The village the person is enrolled in for the year (enrollment's published view), if any. */
    async enrolmentVillage(idNumber: string, year: number): Promise<string | null> {
      const row = await db
        .selectFrom('enrollment.v_enrollment_facts')
        .select('village_code')
        .where('id_number', '=', idNumber)
        .where('year', '=', year)
        .executeTakeFirst();
      return row?.village_code ?? null;
    },

    async find(id: string, on: PaymentDb = db): Promise<PaymentWithReversal | undefined> {
      return (await withReversal(on).where('p.id', '=', id).executeTakeFirst()) as PaymentWithReversal | undefined;
    },

    /** One page in arrival order, `limit + 1` rows read so the caller knows whether another follows. */
    async page(
      filter: PaymentFilter,
      after: PaymentCursor | null,
      limit: number,
    ): Promise<Array<PaymentWithReversal & { cursor_at: string }>> {
      let q = withReversal(db).select(
        sql<string>`to_char(p.recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor_at'),
      );
      if (filter.regionPrefix !== null) q = q.where('p.village_code', 'like', `${filter.regionPrefix}%`);
      if (filter.year !== undefined) q = q.where('p.year', '=', filter.year);
      if (filter.status !== undefined) q = q.where('p.status', '=', filter.status);
      if (filter.channel !== undefined) q = q.where('p.channel', '=', filter.channel);
      if (filter.idNumber !== undefined) q = q.where('p.id_number', '=', filter.idNumber);
      if (after) {
        q = q.where(sql<boolean>`(p.recorded_at, p.id) > (${after.recordedAt}::timestamptz, ${after.id})`);
      }
      const rows = await q
        .orderBy('p.recorded_at')
        .orderBy('p.id')
        .limit(limit + 1)
        .execute();
      return rows as Array<PaymentWithReversal & { cursor_at: string }>;
    },
  };
}

export type PaymentsRepository = ReturnType<typeof createPaymentsRepository>;
