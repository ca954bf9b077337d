import { type Db, poolOf } from '@rmi/db';

// The bench's county, written set-wise straight into the tables (a bench may: the services' own
// paths are measured elsewhere). Person g (1..rows) falls in bucket g % 100, which decides their
// year (cq-2025, 400 yuan in tier 1; 低保 assisted with 360):
//
//   0-2   registered, never paid                                   unpaid
//   3     registered, paid 300 (enrollment refused it)             underpaid
//   4     registered, paid 500 (enrollment refused it)             overpaid
//   5-6   paid, and paid a second time                             duplicate
//   7     registered again after the payment was reversed          reversed
//   8     registration cancelled (moved away), no payment          not the county's
//   9-12  低保, paid 40 with 360 paid on their behalf (代缴)          matched
//   13    低保 certified before paying, paid the full 400           assistance-owed (事后资助)
//   14    paid after the death day the register holds              paid-after-death
//   15-99 paid exactly                                             matched
//
// and then as many payments for people enrollment never registered (villages of the county) as
// bring the payments to `rows`: paid-not-enrolled.

export interface Generated {
  enrolments: number;
  payments: number;
  reversals: number;
  spells: number;
  /** The run's counts the data must give. */
  expected: Record<string, number>;
}

const ID = (g: string, county: string) =>
  `'${county}' || to_char(date '1940-01-01' + (${g} % 25000), 'YYYYMMDD') || lpad((${g} / 25000)::text, 4, '0')`;

export async function generate(
  db: Db,
  { rows, county, year }: { rows: number; county: string; year: number },
): Promise<Generated> {
  const pool = poolOf(db);
  const villages = `(select array_agg(code order by code) from core.regions where code like '${county}%' and level = 'village')`;
  const q = (text: string) => pool.query(text);

  await q(`
    insert into enrollment.persons (id_number, name, sex, birth_date, hukou_region_code, category, died_on)
    select ${ID('g', county)}, '居民' || g, case when g % 2 = 0 then 'female' else 'male' end,
           date '1940-01-01' + (g % 25000), v[1 + g % cardinality(v)], 'resident',
           case when g % 100 = 14 then date '2024-10-01' end
    from generate_series(1, ${rows}) g, ${villages} as vs(v)`);

  await q(`
    insert into enrollment.enrolments (id_number, year, region_code, category, tier, status, basis, policy_id,
      identities, assistance_identity, standard_fen, fiscal_subsidy_fen, assistance_fen, waiver_fen, personal_fen,
      paid_fen, paid_on, payment_id, benefit_start, benefit_end, waiting_days, cancel_reason, cancelled_on)
    select ${ID('g', county)}, ${year}, v[1 + g % cardinality(v)], 'resident', 1,
           case when b in (0, 1, 2, 3, 4, 7) then 'registered' when b = 8 then 'cancelled' else 'paid' end,
           'independent', case when paid then 'cq-${year}' end,
           case when b between 9 and 13 and paid then '{subsistence-allowance}'::text[] else '{}' end,
           case when b between 9 and 12 then 'subsistence-allowance' end,
           case when paid then 40000 end, case when paid then 0 end,
           case when b between 9 and 12 then 36000 when paid then 0 end,
           case when paid then 0 end,
           case when b between 9 and 12 then 4000 when paid then 40000 end,
           case when b between 9 and 12 then 4000 when paid then 40000 end,
           case when paid then date '2024-11-15' + (g % 40) end,
           case when paid then 'B' || g || '-1' end,
           case when paid then date '${year}-01-01' end, case when paid then date '${year}-12-31' end,
           case when paid then 0 end,
           case when b = 8 then 'moved' end, case when b = 8 then date '2024-12-01' end
    from generate_series(1, ${rows}) g, ${villages} as vs(v),
         lateral (select g % 100 as b) x,
         lateral (select x.b not in (0, 1, 2, 3, 4, 7, 8) as paid) y`);

  await q(`
    insert into payment.payments (id, channel, voucher_number, id_number, year, tier, amount_fen, assistance_fen,
      paid_at, paid_on, source, status, applied_at)
    select 'B' || g || '-' || k, (array['wechat', 'alipay', 'pos', 'tax-window'])[1 + g % 4], 'V' || g || '-' || k,
           ${ID('g', county)}, ${year}, 1,
           case when b = 3 then 30000 when b = 4 then 50000 when b between 9 and 12 then 4000 else 40000 end,
           case when b between 9 and 12 then 36000 else 0 end,
           ((date '2024-11-15' + (g % 40) + (k - 1))::timestamp + time '10:00') at time zone 'Asia/Shanghai',
           date '2024-11-15' + (g % 40) + (k - 1),
           'api', case when b in (3, 4) or k = 2 then 'parked' else 'applied' end,
           case when not (b in (3, 4) or k = 2) then now() end
    from generate_series(1, ${rows}) g,
         lateral (select g % 100 as b) x,
         lateral generate_series(1, case when x.b in (5, 6) then 2 when x.b in (0, 1, 2, 8) then 0 else 1 end) k`);

  const enrolledPayments = Number((await q('select count(*) as n from payment.payments')).rows[0].n);
  const strangers = Math.max(0, rows - enrolledPayments);
  // People no county system registered: ID numbers of another county's prefix, villages of this one.
  await q(`
    insert into payment.payments (id, channel, voucher_number, id_number, year, tier, amount_fen, paid_at, paid_on,
      village_code, source, status, problem_code)
    select 'S' || h, 'pos', 'VS' || h, ${ID('h', '500231')}, ${year}, 1, 40000,
           ((date '2024-11-15' + (h % 40))::timestamp + time '11:00') at time zone 'Asia/Shanghai',
           date '2024-11-15' + (h % 40), v[1 + h % cardinality(v)], 'api', 'parked', 'PERSON_NOT_FOUND'
    from generate_series(1, ${strangers}) h, ${villages} as vs(v)`);

  const reversals = await q(`
    insert into payment.reversals (payment_id, reversed_at, reversed_on, reason, source, told_at)
    select 'B' || g || '-1', timestamptz '2024-12-20 10:00+08', date '2024-12-20', '冲正', 'api', now()
    from generate_series(1, ${rows}) g where g % 100 = 7`);

  const spells = await q(`
    insert into identity.spells (id_number, identity_code, department, region_code, name, valid_from, batch_id)
    select ${ID('g', county)}, 'subsistence-allowance', 'civil-affairs', v[1 + g % cardinality(v)], '居民' || g,
           date '2024-10-01', '00000000-0000-4000-8000-000000000001'
    from generate_series(1, ${rows}) g, ${villages} as vs(v) where g % 100 between 9 and 13`);

  await q('analyze enrollment.persons, enrollment.enrolments, payment.payments, payment.reversals, identity.spells');

  const inBuckets = (...buckets: number[]) => {
    let n = 0;
    for (const b of buckets) n += Math.floor(rows / 100) + (b > 0 && b <= rows % 100 ? 1 : 0);
    return n;
  };
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  return {
    enrolments: rows,
    payments: enrolledPayments + strangers,
    reversals: reversals.rowCount ?? 0,
    spells: spells.rowCount ?? 0,
    expected: {
      matched: inBuckets(...range(9, 12), ...range(15, 99)),
      unpaid: inBuckets(0, 1, 2),
      'paid-not-enrolled': strangers,
      underpaid: inBuckets(3),
      overpaid: inBuckets(4),
      duplicate: inBuckets(5, 6),
      reversed: inBuckets(7),
      'assistance-owed': inBuckets(13),
      'assistance-mismatch': 0,
      'paid-after-death': inBuckets(14),
    },
  };
}
