// The county's season decided up front from a seed: who lives where and in which household, who
// the departments certify (and how their lists change month to month), who pays when and through
// which channel, who is reversed, who pays twice, who dies. The same seed gives the same season.
import { checkCharacter } from '@rmi/rules';

export const YEAR = 2025;
/** Monday of the first ISO week collected: cq-2025's concentrated period opens 2024-09-14 (003#三). */
export const FIRST_MONDAY = '2024-09-16';
/** The concentrated period ends 2024-12-31: weeks past it would pay outside it. */
export const MAX_WEEKS = 15;

export interface Village {
  code: string;
  name: string;
  township: string;
}

export interface Township {
  code: string;
  name: string;
  villages: Village[];
}

export interface IdentityPick {
  department: 'civil-affairs' | 'disabled-persons-federation' | 'rural-affairs';
  /** As the department's list prints it. */
  label: string;
  /** The identity code the services answer with. */
  code: string;
}

export const IDENTITIES: readonly IdentityPick[] = [
  { department: 'civil-affairs', label: '特困人员', code: 'extreme-poverty' },
  { department: 'civil-affairs', label: '城乡低保对象', code: 'subsistence-allowance' },
  { department: 'civil-affairs', label: '低保边缘户', code: 'low-income-marginal' },
  { department: 'disabled-persons-federation', label: '城乡重度（一、二级）残疾人员', code: 'severe-disability' },
  { department: 'rural-affairs', label: '脱贫不稳定人口', code: 'unstable-out-of-poverty' },
];
export const FEED_DEPARTMENTS = ['civil-affairs', 'disabled-persons-federation', 'rural-affairs'] as const;

/** Listed in September from this day; removals end the day before October (the period's first day). */
export const FIRST_CERTIFIED_ON = '2024-01-15';
export const ADDED_ON = '2024-10-01';
export const REMOVED_AFTER = '2024-09-30';

export type Fate = 'paid' | 'unpaid' | 'reversed' | 'duplicate' | 'died';

export interface Person {
  n: number;
  idNumber: string;
  name: string;
  village: string;
  township: string;
  householdNumber: string;
  relation: string;
  tier: 1 | 2;
  /** The identity a department lists, if any, and the days it is held (inclusive; null open). */
  identity: IdentityPick | null;
  heldFrom: string | null;
  heldTo: string | null;
  /** On the September list, the October list, and the village the October list names. */
  inSeptember: boolean;
  inOctober: boolean;
  listedVillage: string;
  fate: Fate;
  /** The channel of the (first) payment. */
  channel: string;
  /** 0-based season week of the (first) payment; the second payment or the reversal comes a week later. */
  week: number;
  paidOn: string;
  paidAt: string;
  diedOn: string | null;
}

export interface SeasonPlan {
  seed: number;
  weeks: number;
  townships: Township[];
  persons: Person[];
  /** Season week in which the health department reports the deaths. */
  deathsWeek: number;
  /** Per-request channels payers use (collectors' POST /v1/payments). */
  requestChannels: string[];
}

/** mulberry32: small, fast and the same everywhere. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

export const weekStart = (week: number) => addDays(FIRST_MONDAY, week * 7);
export const weekEnd = (week: number) => addDays(FIRST_MONDAY, week * 7 + 6);

const DAYS = 20_000;
const FIRST_BIRTH = Date.UTC(1945, 0, 1);
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉梅志红';

/** The `n`th resident: a valid GB 11643 number of county 500230, different for every n below 20 million. */
export function idNumberOf(n: number, seed: number): string {
  const birth = new Date(FIRST_BIRTH + ((n + seed * 101) % DAYS) * 86_400_000)
    .toISOString()
    .slice(0, 10)
    .replaceAll('-', '');
  const first17 = `500230${birth}${String(Math.floor(n / DAYS) % 1000).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

const RELATIONS = ['户主', '配偶', '子女', '父母'] as const;

export interface PlanOptions {
  persons: number;
  seed: number;
  weeks: number;
  townships: Township[];
  requestChannels: string[];
}

export function planSeason(options: PlanOptions): SeasonPlan {
  const { persons: count, seed, weeks, townships } = options;
  if (weeks < 2 || weeks > MAX_WEEKS) throw new Error(`--weeks must be 2..${MAX_WEEKS}`);
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const villages = townships.flatMap((t) => t.villages);
  // Villages differ in size (weights 1..4), so their rates differ too.
  const weights = villages.map(() => 1 + Math.floor(rnd() * 4));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const villageOf = () => {
    let r = rnd() * totalWeight;
    for (const [i, w] of weights.entries()) {
      r -= w;
      if (r < 0) return villages[i] as Village;
    }
    return villages[villages.length - 1] as Village;
  };
  // Per-request payments stay a bounded share: at a million persons they would take hours.
  const requestShare = Math.min(0.15, 3_000 / count);
  const cashShare = Math.min(0.05, 1_000 / count);
  const deathsWeek = Math.min(1, weeks - 1);
  const householdsPerVillage = new Map<string, number>();

  const persons: Person[] = [];
  let n = 0;
  while (persons.length < count) {
    const village = villageOf();
    const size = Math.min(1 + Math.floor(rnd() * 4), count - persons.length);
    const h = (householdsPerVillage.get(village.code) ?? 0) + 1;
    householdsPerVillage.set(village.code, h);
    for (let m = 0; m < size; m++, n++) {
      const idNumber = idNumberOf(n, seed);
      const r = rnd();
      const identity =
        r < 0.06 ? pick(IDENTITIES.slice(0, 3)) : r < 0.08 ? IDENTITIES[3] : r < 0.1 ? IDENTITIES[4] : null;
      persons.push({
        n,
        idNumber,
        name: `${pick([...SURNAMES])}${pick([...GIVEN])}${rnd() < 0.6 ? pick([...GIVEN]) : ''}`,
        village: village.code,
        township: village.township,
        householdNumber: `H${village.code.slice(-3)}${String(h).padStart(5, '0')}`,
        relation: RELATIONS[Math.min(m, 3)] as string,
        tier: rnd() < 0.08 ? 2 : 1,
        identity: identity ?? null,
        heldFrom: identity ? FIRST_CERTIFIED_ON : null,
        heldTo: null,
        inSeptember: identity !== null,
        inOctober: identity !== null,
        listedVillage: village.code,
        fate: 'paid',
        channel: 'tax',
        week: 0,
        paidOn: '',
        paidAt: '',
        diedOn: null,
      });
    }
  }

  // October: some leave the lists, some move to another village of their township, some join.
  for (const p of persons) {
    if (!p.identity) continue;
    const r = rnd();
    if (r < 0.08) {
      p.inOctober = false;
      p.heldTo = REMOVED_AFTER;
    } else if (r < 0.13) {
      const others = townships.find((t) => t.code === p.township)?.villages.filter((v) => v.code !== p.village) ?? [];
      if (others.length) p.listedVillage = pick(others).code;
    }
  }
  const added = Math.max(1, Math.round(persons.filter((p) => p.identity).length * 0.05));
  for (let i = 0; i < added; i++) {
    const p = pick(persons);
    if (p.identity) continue;
    p.identity = pick(IDENTITIES);
    p.heldFrom = ADDED_ON;
    p.inOctober = true;
  }

  // Fates and payments. Reversals and second payments come a week after the first, so the first
  // payment falls in a week before the last.
  for (const p of persons) {
    const r = rnd();
    p.fate = r < 0.1 ? 'unpaid' : r < 0.115 ? 'reversed' : r < 0.123 ? 'duplicate' : 'paid';
    if (!p.identity && rnd() < 0.012) p.fate = 'died';
    const lastFirst = p.fate === 'reversed' || p.fate === 'duplicate' ? weeks - 2 : weeks - 1;
    // Early weeks collect more (a concentrated period's first weeks), later ones less.
    p.week = Math.min(lastFirst, Math.floor(weeks * rnd() ** 1.4));
    const c = rnd();
    p.channel =
      p.fate === 'reversed'
        ? 'tax'
        : p.fate === 'duplicate'
          ? pick(options.requestChannels)
          : c < requestShare
            ? pick(options.requestChannels)
            : c < requestShare + cashShare
              ? 'cash'
              : 'tax';
    p.paidOn = addDays(weekStart(p.week), Math.floor(rnd() * 7));
    const minutes = 8 * 60 + Math.floor(rnd() * 600);
    p.paidAt = `${p.paidOn}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00+08:00`;
    if (p.fate === 'died') p.diedOn = addDays(weekStart(deathsWeek), Math.floor(rnd() * 3));
  }
  // Every township loses someone, so the deaths show in every row of the table.
  for (const t of townships) {
    if (!persons.some((p) => p.township === t.code && p.fate === 'died')) {
      const p = persons.find((q) => q.township === t.code && !q.identity && q.fate === 'unpaid');
      if (p) {
        p.fate = 'died';
        p.diedOn = weekStart(deathsWeek);
      }
    }
  }
  return { seed, weeks, townships, persons, deathsWeek, requestChannels: options.requestChannels };
}

/** The identity a person holds on a day, as the departments' applied lists say. */
export function identityOn(p: Person, day: string): IdentityPick | null {
  if (!p.identity || !p.heldFrom || day < p.heldFrom) return null;
  if (p.heldTo && day > p.heldTo) return null;
  return p.identity;
}
