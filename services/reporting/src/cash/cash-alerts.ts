import { judgeCash, type LedgerReceipt } from '@rmi/rules';
import type { Principal } from '@rmi/service-kit';
import { sql } from 'kysely';
import type { ReportingDeps } from '../deps.js';
import { assertInScope, civilDateArg, codeRange, regionOf } from '../progress/report-scope.js';

export interface CashAlertRow {
  collector: string;
  kind: 'same-day-limit' | 'late-deposit';
  since: string;
  /** All the collector holds at the end of the day, not only the receipts of this alert. */
  undepositedFen: number;
  receiptNumbers: string[];
}

/**
 * Collectors of a region holding cash beyond the double limit at the end of day `on` (today when
 * omitted), one row per collector and limit broken, judged as payment-reconciliation judges them
 * (`judgeCash` in rules) over the cash ledger it publishes (payment.v_cash_receipts).
 */
export async function cashAlertsOf(
  deps: ReportingDeps,
  principal: Principal,
  args: { regionCode: string; on?: string | null },
): Promise<CashAlertRow[]> {
  const on = args.on == null ? deps.today() : civilDateArg('on', args.on);
  assertInScope(principal, args.regionCode);
  await regionOf(deps, args.regionCode);
  const [receipts, policies] = await Promise.all([ledgerOf(deps, args.regionCode, on), deps.catalog.documents()]);
  return judgeCash(receipts, on, policies).collectors.flatMap((c) =>
    c.alerts.map((a) => ({
      collector: c.collector,
      kind: a.kind,
      since: a.since,
      undepositedFen: c.undepositedFen,
      receiptNumbers: a.receiptNumbers,
    })),
  );
}

/**
 * For each collector and insurance year still holding cash of the region at the end of `on`, its
 * receipts since the oldest one held: a receipt banked before that was never on hand beside held
 * cash, so the read stays as long as what is held however long the ledger grows.
 */
async function ledgerOf(deps: ReportingDeps, regionCode: string, on: string): Promise<LedgerReceipt[]> {
  const { from, to } = codeRange(regionCode);
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
      select receipt_number, collector_key, collector_name, village_code, year, amount_fen, received_at,
             received_on, deposited_on, deposited_at,
             min(received_on) filter (where deposited_on is null or deposited_on > ${on}::date)
               over (partition by collector_key, year) as held_since
      from payment.v_cash_receipts
      where received_on <= ${on}::date and village_code >= ${from} and village_code < ${to}
    )
    select receipt_number, collector_key, collector_name, village_code, year, amount_fen, received_at,
           received_on, deposited_on, deposited_at
    from scoped
    where held_since is not null and (deposited_on is null or deposited_on >= held_since)
    order by collector_key, year, received_on, receipt_number`.execute(deps.db);
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
