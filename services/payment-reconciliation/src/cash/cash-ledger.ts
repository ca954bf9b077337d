import type { LedgerReceipt } from '@rmi/rules';
import { sql } from 'kysely';
import type { PaymentDb } from '../db.js';

/**
 * The receipts that decide the cash position of every collector of a region at the end of day
 * `on`, in one query: for each collector and insurance year still holding cash then (not banked,
 * or banked after `on`), its receipts received since the oldest one held. A receipt banked before
 * that day was never on hand beside held cash, so it cannot change the answer; the window keeps
 * the read to what matters however long the ledger grows.
 */
export async function ledgerForAlerts(
  db: PaymentDb,
  scope: { regionPrefix: string; collectorKeyId: string | null; on: string },
): Promise<LedgerReceipt[]> {
  const { on } = scope;
  const { rows } = await sql<{
    receipt_number: string;
    collector_key: string;
    collector_name: string;
    village_code: string | null;
    year: number;
    amount_fen: number;
    received_at: Date;
    received_on: string;
    deposited_on: string | null;
    deposited_at: Date | null;
  }>`
    with scoped as (
      select r.receipt_number, coalesce(r.collector_key_id::text, 'name:' || r.collector_name) as collector_key,
             r.collector_name, r.village_code, r.year, r.amount_fen, r.received_at, r.received_on,
             d.deposited_on, d.deposited_at
      from payment.cash_receipts r
      left join payment.cash_deposits d on d.id = r.deposit_id
      where r.received_on <= ${on}::date
        and r.village_code like ${`${scope.regionPrefix}%`}
        ${scope.collectorKeyId === null ? sql`` : sql`and r.collector_key_id = ${scope.collectorKeyId}::uuid`}
    ), windowed as (
      select s.*,
             min(s.received_on) filter (where s.deposited_on is null or s.deposited_on > ${on}::date)
               over (partition by s.collector_key, s.year) as held_since
      from scoped s
    )
    select receipt_number, collector_key, collector_name, village_code, year, amount_fen, received_at,
           received_on, deposited_on, deposited_at
    from windowed
    where held_since is not null and (deposited_on is null or deposited_on >= held_since)
    order by collector_key, year, received_on, receipt_number`.execute(db);
  return rows.map((r) => ({
    receiptNumber: r.receipt_number,
    collectorKey: r.collector_key,
    collectorName: r.collector_name,
    villageCode: r.village_code,
    year: r.year,
    amountFen: Number(r.amount_fen),
    receivedAt: new Date(r.received_at),
    receivedOn: r.received_on,
    depositedOn: r.deposited_on,
    depositedAt: r.deposited_at === null ? null : new Date(r.deposited_at),
  }));
}
