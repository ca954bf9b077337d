import { addDays } from '../civil-date.js';
import type { PolicyDocument } from '../policy/schema.js';

// The cash "double limit" (双限, 000 附件3 item 5): collected cash is banked within a number of
// days, and on the same day once the cash a collector holds reaches an amount. Both numbers are
// policy data (`cash` in the policy document).

export interface CashLimits {
  depositWithinDays: number;
  sameDayDepositFen: number;
  source: string;
}

/** The policy's cash limits, or null when its notice states none. */
export function cashLimitsOf(policy: PolicyDocument): CashLimits | null {
  const cash = policy.cash;
  if (!cash) return null;
  return { depositWithinDays: cash.depositWithinDays, sameDayDepositFen: cash.sameDayDepositFen, source: cash.source };
}

export interface CashReceiptFacts {
  receiptNumber: string;
  amountFen: number;
  receivedOn: string;
  /** The day it was banked; null while held. */
  depositedOn: string | null;
}

export interface CashAlert {
  kind: 'same-day-limit' | 'late-deposit';
  /** The first day the limit was broken. */
  since: string;
  receiptNumbers: string[];
}

export interface CashPosition {
  undepositedFen: number;
  oldestReceiptOn: string | null;
  alerts: CashAlert[];
}

/**
 * One collector's position at the end of day `on`, and the limits broken by cash still held then.
 * `same-day-limit`: on a day the cash held (received by then, not banked before that day) reached
 * the amount, and some of it was not banked that day. `late-deposit`: a receipt held more than the
 * number of days after the day it was received. A deposit after `on` is not known on `on`.
 */
export function cashPosition(receipts: readonly CashReceiptFacts[], on: string, limits: CashLimits): CashPosition {
  const known = receipts
    .filter((r) => r.receivedOn <= on)
    .map((r) => ({ ...r, depositedOn: r.depositedOn !== null && r.depositedOn <= on ? r.depositedOn : null }));
  const held = known.filter((r) => r.depositedOn === null);
  const heldNumbers = new Set(held.map((r) => r.receiptNumber));
  const alerts: CashAlert[] = [];

  const days = [...new Set(known.map((r) => r.receivedOn))].sort();
  let sameDay: CashAlert | null = null;
  for (let day = days[0]; day !== undefined && day <= on; day = addDays(day, 1)) {
    const onHand = known.filter((r) => r.receivedOn <= day && (r.depositedOn === null || r.depositedOn >= day));
    const total = onHand.reduce((s, r) => s + r.amountFen, 0);
    if (total < limits.sameDayDepositFen) continue;
    const late = onHand.filter(
      (r) => (r.depositedOn === null || r.depositedOn > day) && heldNumbers.has(r.receiptNumber),
    );
    if (late.length === 0) continue;
    if (!sameDay) sameDay = { kind: 'same-day-limit', since: day, receiptNumbers: [] };
    for (const r of late)
      if (!sameDay.receiptNumbers.includes(r.receiptNumber)) sameDay.receiptNumbers.push(r.receiptNumber);
  }
  if (sameDay) alerts.push({ ...sameDay, receiptNumbers: sameDay.receiptNumbers.sort() });

  const overdue = held
    .filter((r) => addDays(r.receivedOn, limits.depositWithinDays) < on)
    .sort((a, b) => a.receivedOn.localeCompare(b.receivedOn) || a.receiptNumber.localeCompare(b.receiptNumber));
  const first = overdue[0];
  if (first) {
    alerts.push({
      kind: 'late-deposit',
      since: addDays(first.receivedOn, limits.depositWithinDays + 1),
      receiptNumbers: overdue.map((r) => r.receiptNumber),
    });
  }
  const oldest = held.map((r) => r.receivedOn).sort()[0] ?? null;
  return { undepositedFen: held.reduce((s, r) => s + r.amountFen, 0), oldestReceiptOn: oldest, alerts };
}
