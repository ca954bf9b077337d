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
  /**
   * When it was received, if known: it places the receipt among the day's deposits. Unknown, it
   * counts from the start of `receivedOn`.
   */
  receivedAt?: Date | string;
  /** When it was banked, if known. Unknown, the cash counts as held until the end of `depositedOn`. */
  depositedAt?: Date | string | null;
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

// Civil dates are Asia/Shanghai days (UTC+8 all year, no daylight saving).
const startOfDay = (day: string) => Date.parse(`${day}T00:00:00+08:00`);
const instant = (value: Date | string) => (value instanceof Date ? value.getTime() : Date.parse(value));

/**
 * One collector's position at the end of day `on`, and the limits broken by cash still held then.
 *
 * `same-day-limit` (当天达10000元的当天缴): at some moment of a day the cash on hand (received,
 * not yet banked) reached the amount, and some of what was on hand then was not banked that day.
 * The cash on hand is followed receipt by deposit in time order, so cash banked in the morning
 * does not add to what is collected in the afternoon; where a time is not known, a receipt counts
 * from the start of its day and a deposit at the end of its day (the cash was held all that day).
 * `late-deposit` (不到10000元的5天缴): a receipt held more than the number of days after the day
 * it was received. A deposit after `on` is not known on `on`.
 */
export function cashPosition(receipts: readonly CashReceiptFacts[], on: string, limits: CashLimits): CashPosition {
  const known = receipts
    .filter((r) => r.receivedOn <= on)
    .map((r) => {
      const banked = r.depositedOn !== null && r.depositedOn <= on ? r.depositedOn : null;
      const inAt = r.receivedAt === undefined ? startOfDay(r.receivedOn) : instant(r.receivedAt);
      const outAt =
        banked === null
          ? Number.POSITIVE_INFINITY
          : r.depositedAt == null
            ? startOfDay(addDays(banked, 1)) - 1
            : instant(r.depositedAt);
      return { ...r, depositedOn: banked, inAt, outAt };
    });
  const held = known.filter((r) => r.depositedOn === null);
  const heldNumbers = new Set(held.map((r) => r.receiptNumber));
  const alerts: CashAlert[] = [];

  // Cash on hand only grows at a receipt, so the limit is looked at after each one. At one
  // instant, deposits leave before receipts arrive.
  type Known = (typeof known)[number];
  const moves: Array<{ at: number; out: boolean; r: Known }> = [];
  for (const r of known) {
    // Banked no later than it came (a deposit stamped before its receipt): never on hand.
    if (r.outAt <= r.inAt) continue;
    moves.push({ at: r.inAt, out: false, r });
    if (r.outAt !== Number.POSITIVE_INFINITY) moves.push({ at: r.outAt, out: true, r });
  }
  moves.sort(
    (a, b) => a.at - b.at || Number(b.out) - Number(a.out) || a.r.receiptNumber.localeCompare(b.r.receiptNumber),
  );
  const onHand = new Map<string, Known>();
  let balance = 0;
  let since: string | null = null;
  const late = new Set<string>();
  for (const move of moves) {
    if (move.out) {
      onHand.delete(move.r.receiptNumber);
      balance -= move.r.amountFen;
      continue;
    }
    onHand.set(move.r.receiptNumber, move.r);
    balance += move.r.amountFen;
    if (balance < limits.sameDayDepositFen) continue;
    // Everything on hand now is due at the bank today; what is still held at `on` was not banked.
    const due = [...onHand.keys()].filter((n) => heldNumbers.has(n));
    if (due.length === 0) continue;
    const day = move.r.receivedOn;
    if (since === null || day < since) since = day;
    for (const n of due) late.add(n);
  }
  if (since !== null) alerts.push({ kind: 'same-day-limit', since, receiptNumbers: [...late].sort() });

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
