import {
  addDays,
  assistanceTable,
  findPolicy,
  type PolicyDocument,
  QUOTE_CATEGORIES,
  type QuoteCategory,
  quote,
} from '@rmi/rules';

// What a run needs of the policy in force for its region and year, handed to its one statement as
// data: the assistance amounts by identity (the rules' own table), and the price of a registration
// enrollment has not priced (its payment refused or not yet applied), from the rules' quote.

/** One identity of the assistance table, as `assistanceTable(policy)` gives it. */
export interface AssistanceRow {
  code: string;
  tier1_fen: number | null;
  tier2_fen: number | null;
}

/** The full part (personal part before assistance) of a category and tier, for payment days from..to. */
export interface PriceRange {
  category: QuoteCategory;
  tier: 1 | 2;
  from_day: string;
  to_day: string;
  full_fen: number;
}

export interface RunPolicy {
  policyId: string | null;
  assistance: AssistanceRow[];
  prices: PriceRange[];
  /** The day an unpaid registration is priced on: the last day of the concentrated period. */
  unpaidDay: string | null;
  /** What the run could not decide from the policy, said in the run. */
  notes: string[];
}

export function assistanceRows(policy: PolicyDocument): AssistanceRow[] {
  const table = assistanceTable(policy) ?? {};
  return Object.entries(table).map(([code, row]) => ({
    code,
    tier1_fen: row.tier1Fen ?? null,
    tier2_fen: row.tier2Fen ?? null,
  }));
}

const pricesMemo = new WeakMap<PolicyDocument, PriceRange[]>();

/**
 * What the policy asks of a category and tier on each payment day from the concentrated period to
 * the last payment day, without identities (assistance is decided apart), in ranges of days at one
 * price. A day the policy cannot price (between payment windows, a figure it lacks) takes the price
 * of the day before it, or of the first day it can price: the money was paid against the
 * registration all the same, and the run compares it with what the policy asks nearest that day.
 * Days before the first or after the last take the nearest price. About two thousand quotes;
 * kept per policy document (the catalog hands out the same object until it reloads), whatever
 * region of the policy asks: the price does not depend on where under the policy one lives.
 */
export function priceRanges(policy: PolicyDocument, regionCode: string): PriceRange[] {
  const memo = pricesMemo.get(policy);
  if (memo) return memo;
  const first = policy.periods.concentrated.from;
  const last = lastDayOf(policy);
  const ranges: PriceRange[] = [];
  for (const category of QUOTE_CATEGORIES) {
    for (const tier of [1, 2] as const) {
      const days: Array<{ day: string; fen: number | null }> = [];
      for (let day = first; day <= last; day = addDays(day, 1)) {
        const q = quote(policy, {
          regionCode,
          year: policy.year,
          tier,
          category,
          paidOn: day,
          ...(category === 'newborn' ? { birthDate: day } : {}),
        });
        days.push({ day, fen: q.ok ? q.quote.personalFen + q.quote.assistanceFen : null });
      }
      const firstPriced = days.find((d) => d.fen !== null)?.fen;
      if (firstPriced === undefined || firstPriced === null) continue;
      let price = firstPriced;
      const own: PriceRange[] = [];
      for (const { day, fen } of days) {
        if (fen !== null) price = fen;
        const open = own[own.length - 1];
        if (open && open.full_fen === price) open.to_day = day;
        else own.push({ category, tier, from_day: day, to_day: day, full_fen: price });
      }
      // A day before the first or after the last takes the nearest price: every day has one.
      (own[0] as PriceRange).from_day = '-infinity';
      (own[own.length - 1] as PriceRange).to_day = 'infinity';
      ranges.push(...own);
    }
  }
  pricesMemo.set(policy, ranges);
  return ranges;
}

function lastDayOf(policy: PolicyDocument): string {
  const windows = policy.periods.lateWindows;
  return policy.periods.lastPaymentDay?.value ?? windows[windows.length - 1]?.to ?? `${policy.year}-12-31`;
}

/** The policy in force for (region, year) and what a run takes from it. */
export function runPolicy(documents: readonly PolicyDocument[], regionCode: string, year: number): RunPolicy {
  const policy = findPolicy(documents, regionCode, year);
  if (!policy) {
    return {
      policyId: null,
      assistance: [],
      prices: [],
      unpaidDay: null,
      notes: [
        `No policy in force covers ${regionCode} in ${year}: no assistance is due, and a registration enrollment ` +
          'has not priced has no expected amount (its payments count as paid-not-enrolled).',
      ],
    };
  }
  const notes: string[] = [];
  if (!policy.assistance) {
    notes.push(
      `${policy.id} has no assistance table: no assistance is due to anyone in this run, so none is ` +
        'assistance-owed, and any assistance paid counts as assistance-mismatch.',
    );
  }
  return {
    policyId: policy.id,
    assistance: assistanceRows(policy),
    prices: priceRanges(policy, regionCode),
    unpaidDay: policy.periods.concentrated.to,
    notes,
  };
}
