import { findPolicy } from '../policy/find.js';
import type { PolicyDocument } from '../policy/schema.js';
import { type CashAlert, type CashLimits, cashLimitsOf, cashPosition } from './cash-limits.js';

// The double limit judged over a ledger of receipts, the same for payment-reconciliation's
// /v1/cash-alerts and reporting's cashAlerts: who holds cash at the end of a day, and which limit
// of the policy in force that cash breaks.

/** One receipt as the double limit reads it. */
export interface LedgerReceipt {
  receiptNumber: string;
  /** The collector: its key, or its name for a receipt recorded without a key. */
  collectorKey: string;
  collectorName: string;
  villageCode: string | null;
  year: number;
  amountFen: number;
  receivedAt: Date;
  receivedOn: string;
  depositedOn: string | null;
  depositedAt: Date | null;
}

export interface CollectorCash {
  collector: string;
  undepositedFen: number;
  oldestReceiptAt: string | null;
  alerts: CashAlert[];
}

export interface YearLimits {
  year: number;
  depositWithinDays: number | null;
  sameDayDepositFen: number | null;
  source: string | null;
}

export interface CashAlertsAnswer {
  on: string;
  collectors: CollectorCash[];
  limits: YearLimits[];
}

/** The longest code prefix the villages share: the policy walk from it reaches the policy they share. */
function commonPrefix(codes: readonly string[]): string {
  let prefix = codes[0] ?? '';
  for (const code of codes) while (!code.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

const isHeld = (r: LedgerReceipt, on: string) => r.depositedOn === null || r.depositedOn > on;

/** Alerts of one kind from several insurance years as one: the first day, every receipt. */
function mergeAlerts(alerts: readonly CashAlert[]): CashAlert[] {
  const byKind = new Map<CashAlert['kind'], CashAlert>();
  for (const a of alerts) {
    const seen = byKind.get(a.kind);
    if (!seen) {
      byKind.set(a.kind, { ...a, receiptNumbers: [...a.receiptNumbers] });
      continue;
    }
    if (a.since < seen.since) seen.since = a.since;
    seen.receiptNumbers.push(...a.receiptNumbers);
  }
  return [...byKind.values()]
    .map((a) => ({ ...a, receiptNumbers: [...new Set(a.receiptNumbers)].sort() }))
    .sort((a, b) => a.kind.localeCompare(b.kind));
}

/**
 * Judges a ledger with the double limit: per collector and insurance year, `cashPosition` under
 * the cash limits of the policy in force for the collector's villages and that year. A year whose
 * policy states no limits (or that has no policy) is listed with nulls and judged not at all: its
 * cash is counted as held, and no alert is guessed for it.
 *
 * The ledger holds, for each collector and year still holding cash at the end of `on`, its
 * receipts since the oldest one held (a receipt banked before that was never on hand beside held
 * cash, so it cannot change the answer); more receipts do no harm.
 */
export function judgeCash(
  receipts: readonly LedgerReceipt[],
  on: string,
  policies: readonly PolicyDocument[],
): CashAlertsAnswer {
  const groups = new Map<string, LedgerReceipt[]>();
  for (const r of receipts) {
    const key = `${r.collectorKey}\n${r.year}`;
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }

  const collectors = new Map<string, { name: string; latest: Date; held: LedgerReceipt[]; alerts: CashAlert[] }>();
  const limits = new Map<string, YearLimits>();
  for (const group of groups.values()) {
    const first = group[0] as LedgerReceipt;
    const villages = group.map((r) => r.villageCode).filter((v): v is string => v !== null);
    const policy = villages.length === 0 ? undefined : findPolicy(policies, commonPrefix(villages), first.year);
    const cash: CashLimits | null = policy ? cashLimitsOf(policy) : null;
    const stated: YearLimits = {
      year: first.year,
      depositWithinDays: cash?.depositWithinDays ?? null,
      sameDayDepositFen: cash?.sameDayDepositFen ?? null,
      source: cash?.source ?? null,
    };
    limits.set(`${stated.year}\n${stated.source}\n${stated.depositWithinDays}\n${stated.sameDayDepositFen}`, stated);

    const entry = collectors.get(first.collectorKey) ?? {
      name: first.collectorName,
      latest: first.receivedAt,
      held: [],
      alerts: [],
    };
    collectors.set(first.collectorKey, entry);
    for (const r of group) {
      if (r.receivedAt > entry.latest) {
        entry.latest = r.receivedAt;
        entry.name = r.collectorName;
      }
      if (isHeld(r, on)) entry.held.push(r);
    }
    if (cash) {
      const position = cashPosition(
        group.map((r) => ({
          receiptNumber: r.receiptNumber,
          amountFen: r.amountFen,
          receivedOn: r.receivedOn,
          depositedOn: r.depositedOn,
          // The times order a day's receipts and deposits: cash banked in the morning is not on
          // hand beside what is collected in the afternoon.
          receivedAt: r.receivedAt,
          depositedAt: r.depositedAt,
        })),
        on,
        cash,
      );
      entry.alerts.push(...position.alerts);
    }
  }

  return {
    on,
    collectors: [...collectors.values()]
      .filter((c) => c.held.length > 0)
      .map((c) => {
        const oldest = c.held.reduce<Date | null>((o, r) => (o === null || r.receivedAt < o ? r.receivedAt : o), null);
        return {
          collector: c.name,
          undepositedFen: c.held.reduce((sum, r) => sum + r.amountFen, 0),
          oldestReceiptAt: oldest?.toISOString() ?? null,
          alerts: mergeAlerts(c.alerts),
        };
      })
      // Those breaking a limit first, then by cash held.
      .sort(
        (a, b) =>
          Number(b.alerts.length > 0) - Number(a.alerts.length > 0) ||
          b.undepositedFen - a.undepositedFen ||
          a.collector.localeCompare(b.collector),
      ),
    limits: [...limits.values()].sort((a, b) => a.year - b.year || String(a.source).localeCompare(String(b.source))),
  };
}
