// What the season sent, and from it the figures every answer must show: enrolments, payments by
// channel, reversals, deaths, identities held on each payment day and the quotes priced for them.
import { addDays, FIRST_MONDAY, identityOn, type Person, random, type SeasonPlan, weekEnd } from './plan.js';

export interface QuoteFigures {
  personalFen: number;
  assistanceFen: number;
  fiscalSubsidyFen: number;
  assistanceIdentity: string | null;
}

/** Quotes cached per tier and identity label ('' for none). */
export type Quotes = Map<string, QuoteFigures>;
export const quoteKey = (tier: number, label: string | null) => `${tier}:${label ?? ''}`;

export function quoteFor(quotes: Quotes, p: Person, day: string): QuoteFigures {
  const q = quotes.get(quoteKey(p.tier, identityOn(p, day)?.label ?? null));
  if (!q) throw new Error(`no quote for tier ${p.tier} and ${identityOn(p, day)?.label ?? 'no identity'}`);
  return q;
}

/** A payment as sent: the first, or the second of a person who pays twice. */
export interface SentPayment {
  person: Person;
  channel: string;
  week: number;
  paidOn: string;
  paidAt: string;
  amountFen: number;
  /** The part paid on the person's behalf as the export carries it (tax and assistance lists). */
  assistanceFen: number;
  voucher: string;
  /** The season week its reversal arrives in, if any. */
  reversedInWeek: number | null;
}

export function paymentsOf(plan: SeasonPlan, quotes: Quotes): SentPayment[] {
  const out: SentPayment[] = [];
  for (const p of plan.persons) {
    if (p.fate === 'unpaid' || p.fate === 'died') continue;
    const quote = quoteFor(quotes, p, p.paidOn);
    const amountFen = quote.personalFen;
    const onBehalf = (channel: string) => (channel === 'tax' || channel === 'assistance' ? quote.assistanceFen : 0);
    const voucher = (prefix: string) => `${prefix}-${plan.seed}-${String(p.n).padStart(8, '0')}`;
    out.push({
      person: p,
      channel: p.channel,
      week: p.week,
      paidOn: p.paidOn,
      paidAt: p.paidAt,
      amountFen,
      assistanceFen: onBehalf(p.channel),
      voucher:
        p.channel === 'tax'
          ? `3${plan.seed}5002300${String(p.n).padStart(10, '0')}`
          : voucher(p.channel === 'cash' ? 'XJ' : p.channel.toUpperCase().slice(0, 6)),
      reversedInWeek: p.fate === 'reversed' ? p.week + 1 : null,
    });
    if (p.fate === 'duplicate') {
      // The tax bureau's line for money the person paid again a week later (a second voucher).
      const paidOn = addDays(p.paidOn, 7);
      out.push({
        person: p,
        channel: 'tax',
        week: p.week + 1,
        paidOn,
        paidAt: `${paidOn}${p.paidAt.slice(10)}`,
        amountFen,
        assistanceFen: onBehalf('tax'),
        voucher: `3${plan.seed}5002309${String(p.n).padStart(10, '0')}`,
        reversedInWeek: null,
      });
    }
  }
  return out;
}

/**
 * People whose whole part the assistance fund pays (特困人员 and the like: nothing personal) are
 * paid by the fund's 代缴 list, never by the person; they are neither reversed nor pay twice.
 */
export function routeAssisted(plan: SeasonPlan, quotes: Quotes): number {
  let routed = 0;
  for (const p of plan.persons) {
    if (p.fate === 'unpaid' || p.fate === 'died') continue;
    if (quoteFor(quotes, p, p.paidOn).personalFen !== 0) continue;
    p.channel = 'assistance';
    p.fate = 'paid';
    routed++;
  }
  return routed;
}

/** 任务数: a little above the people registered in each village, so rates stay below 100% and differ. */
export function targetsOf(plan: SeasonPlan): Map<string, number> {
  const rnd = random(plan.seed + 7);
  const counts = new Map<string, number>();
  for (const p of plan.persons) counts.set(p.village, (counts.get(p.village) ?? 0) + 1);
  const targets = new Map<string, number>();
  for (const t of plan.townships) {
    for (const v of t.villages) {
      const n = counts.get(v.code) ?? 0;
      targets.set(v.code, Math.max(1, Math.ceil(n * (1.03 + 0.12 * rnd()))));
    }
  }
  return targets;
}

export const CLASSES = ['matched', 'unpaid', 'reversed', 'duplicate'] as const;

export interface VillageState {
  registered: number;
  paid: number;
  cancelled: number;
}

/** The state after season week `k` (its payments, reversals and deaths all sent and settled). */
export function stateAfter(plan: SeasonPlan, k: number) {
  const villages = new Map<string, VillageState>();
  const classes = new Map<string, Record<string, number>>();
  for (const t of plan.townships) {
    classes.set(t.code, Object.fromEntries(CLASSES.map((c) => [c, 0])));
    for (const v of t.villages) villages.set(v.code, { registered: 0, paid: 0, cancelled: 0 });
  }
  for (const p of plan.persons) {
    const v = villages.get(p.village) as VillageState;
    const c = classes.get(p.township) as Record<string, number>;
    if (p.fate === 'died' && k >= plan.deathsWeek) {
      v.cancelled++;
      continue; // a cancelled registration with no money is no person-year of the run
    }
    v.registered++;
    const paidYet = p.fate !== 'unpaid' && p.fate !== 'died' && p.week <= k;
    const reversedYet = p.fate === 'reversed' && p.week + 1 <= k;
    const twiceYet = p.fate === 'duplicate' && p.week + 1 <= k;
    if (paidYet && !reversedYet) v.paid++;
    const cls = !paidYet ? 'unpaid' : reversedYet ? 'reversed' : twiceYet ? 'duplicate' : 'matched';
    c[cls] = (c[cls] ?? 0) + 1;
  }
  return { villages, classes };
}

/** Villages ranked by paid / target, ties sharing a rank (1, 2, 2, 4). */
export function ranking(rows: { code: string; paid: number; target: number }[]): Map<string, number> {
  const rated = rows.map((r) => ({ ...r, rate: r.target > 0 ? r.paid / r.target : 0 })).sort((a, b) => b.rate - a.rate);
  const ranks = new Map<string, number>();
  rated.forEach((r, i) => {
    const prev = rated[i - 1];
    ranks.set(r.code, prev && prev.rate === r.rate ? (ranks.get(prev.code) as number) : i + 1);
  });
  return ranks;
}

export interface CashPlan {
  /** Receipts per village collector. */
  receipts: SentPayment[];
  /** Deposits: one per village and receipt day, banked a day later, or six in the late villages. */
  deposits: { village: string; day: string; receipts: SentPayment[]; week: number }[];
  /** Per village: fen received and never banked by the season's last day. */
  heldAtEnd: Map<string, number>;
}

export function cashPlan(plan: SeasonPlan, payments: SentPayment[]): CashPlan {
  const receipts = payments.filter((p) => p.channel === 'cash');
  const villages = plan.townships.flatMap((t) => t.villages.map((v) => v.code));
  const late = new Set(villages.filter((_, i) => i % 4 === 1));
  const groups = new Map<string, SentPayment[]>();
  for (const r of receipts) {
    const key = `${r.person.village}|${r.paidOn}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const last = weekEnd(plan.weeks - 1);
  const deposits: CashPlan['deposits'] = [];
  const heldAtEnd = new Map<string, number>();
  for (const [key, rs] of groups) {
    const [village, day] = key.split('|') as [string, string];
    const banked = addDays(day, late.has(village) ? 6 : 1);
    if (banked > last) {
      heldAtEnd.set(village, (heldAtEnd.get(village) ?? 0) + rs.reduce((a, r) => a + r.amountFen, 0));
      continue;
    }
    const week = Math.floor((Date.parse(banked) - Date.parse(FIRST_MONDAY)) / 604_800_000);
    deposits.push({ village, day: banked, receipts: rs, week });
  }
  return { receipts, deposits, heldAtEnd };
}
