import type { CashDepositBody, CashReceiptBody } from '@rmi/contracts';
import { type CashAlertsAnswer, judgeCash } from '@rmi/rules';
import { type Actor, assertRegionInScope, OutOfScopeError, type PolicyCatalog, shanghaiToday } from '@rmi/service-kit';
import type { PaymentDb, RunChange } from '../db.js';
import { ledgerForAlerts } from './cash-ledger.js';
import { type Collector, receiptVillage } from './collector.js';
import { assertDistinctReceipts, type DepositOutcome, recordCashDeposit } from './record-cash-deposit.js';
import { assertSigned, type ReceiptOutcome, recordCashReceipt } from './record-cash-receipt.js';

/** Who reads the alerts besides admin (contracts/auth.md); a collector reads only its own cash. */
export const CASH_ALERT_READERS = ['collector', 'county-operator', 'township-operator', 'dashboard'] as const;

/**
 * The cash ledger (contracts/payments.md "Cash and the double limit"): receipts, each also a
 * payment on channel `cash`; deposits banking them; and the double limit (双限) judged per
 * collector with the limits of the policy in force.
 */
export function createCashService(deps: { db: PaymentDb; change: RunChange; catalog: PolicyCatalog }) {
  const { db, change, catalog } = deps;

  return Object.freeze({
    /** A cash receipt: 201 new, 200 the same receipt again (`created` false). */
    async receive(actor: Actor, collector: Collector, body: CashReceiptBody): Promise<ReceiptOutcome> {
      const village = receiptVillage(actor, body.villageCode);
      assertSigned(body);
      return change(actor, (c) => recordCashReceipt(c, body, village, collector));
    },

    /** A deposit of receipts: 201 new, 200 the same bank slip again (`created` false). */
    async deposit(actor: Actor, collector: Collector, body: CashDepositBody): Promise<DepositOutcome> {
      assertDistinctReceipts(body.receiptNumbers);
      return change(actor, (c) => recordCashDeposit(c, body, collector));
    },

    /** Cash held at the end of day `on` (default today) and the limits it breaks, per collector. */
    async alerts(actor: Actor, query: { regionCode?: string | undefined; on?: string | undefined }) {
      const on = query.on ?? shanghaiToday();
      const region = query.regionCode ?? actor.regionCode ?? (actor.role === 'admin' ? '' : null);
      if (region === null) throw new OutOfScopeError('Cash of every region');
      if (region !== '') assertRegionInScope(actor, region, `Region ${region}`);
      if (actor.role === 'collector' && actor.keyId === null) throw new OutOfScopeError('Cash of other collectors');
      const policies = await catalog.documents();
      const receipts = await ledgerForAlerts(db, {
        regionPrefix: region,
        collectorKeyId: actor.role === 'collector' ? actor.keyId : null,
        on,
      });
      return judgeCash(receipts, on, policies) satisfies CashAlertsAnswer;
    },
  });
}

export type CashService = ReturnType<typeof createCashService>;
