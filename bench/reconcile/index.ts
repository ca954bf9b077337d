// A county's year reconciled: BENCH_ROWS (a million) enrolments and as many payments, with
// duplicates, misses, wrong amounts, reversals, money for people never enrolled and 低保 people
// assisted (some who paid in full: 事后资助), written set-wise straight into the bench database.
// Then POST /v1/reconciliations for the county against the floor: one hand-written full outer
// join of the same enrolments and payments written into a table of the same shape and keys, timed
// in the same run before and after the service's run (the mean taken). Goal: the run within 3×.
import { poolOf } from '@rmi/db';
import paymentApp, { PaymentConfigSchema, SERVICE } from '@rmi/payment-reconciliation/app';
import { createTestKey } from '@rmi/service-kit';
import { type BenchContext, resultLine, table } from '../harness.js';
import { startBenchService } from '../service-server.js';
import { type Generated, generate } from './generate.js';

const NAME = 'reconcile';
const GOAL = 3;
const COUNTY = '500230';
const YEAR = 2025;

/** `--rows N` after the benchmark's name, else BENCH_ROWS, else a million. */
function rowsWanted(): number {
  const at = process.argv.indexOf('--rows');
  const raw = at > 0 ? process.argv[at + 1] : process.env.BENCH_ROWS;
  const rows = Number(raw ?? 1_000_000);
  if (!Number.isInteger(rows) || rows < 1000) {
    throw new Error(`--rows must be a whole number of at least 1000, got ${raw}`);
  }
  return rows;
}

// The floor: what any reconciliation must do at least: both sides read, matched by person in one
// full outer join, a class per person-year, written with the same keys as the service's items.
const BASELINE = `
  insert into bench_baseline (id_number, village_code, class, expected_fen, paid_fen, payment_ids)
  select coalesce(e.id_number, p.id_number), coalesce(e.region_code, p.village_code),
         case
           when coalesce(p.effective, 0) = 0 then case when p.reversed > 0 then 'reversed' else 'unpaid' end
           when e.id_number is null then 'paid-not-enrolled'
           when p.effective > 1 then 'duplicate'
           when p.paid_fen < e.personal_fen then 'underpaid'
           when p.paid_fen > e.personal_fen then 'overpaid'
           else 'matched'
         end,
         e.personal_fen, coalesce(p.paid_fen, 0), coalesce(p.ids, '{}')
  from (select id_number, region_code, personal_fen from enrollment.enrolments
        where year = ${YEAR} and status <> 'cancelled' and region_code like '${COUNTY}%') e
  full join (
    select p.id_number, min(p.village_code) as village_code,
           count(*) filter (where r.payment_id is null) as effective,
           count(*) filter (where r.payment_id is not null) as reversed,
           sum(p.amount_fen) filter (where r.payment_id is null) as paid_fen,
           array_agg(p.id) as ids
    from payment.payments p
    left join payment.reversals r on r.payment_id = p.id
    where p.year = ${YEAR}
    group by p.id_number
  ) p using (id_number)`;

async function baseline(db: BenchContext['db']): Promise<{ seconds: number; rows: number }> {
  const pool = poolOf(db);
  await pool.query(`create table bench_baseline (
    id_number char(18) primary key, village_code varchar(12), class text not null, expected_fen bigint,
    paid_fen bigint not null, payment_ids text[] not null)`);
  await pool.query('create index bench_baseline_class_idx on bench_baseline (class, id_number)');
  try {
    await pool.query('checkpoint').catch(() => {});
    const t0 = performance.now();
    const res = await pool.query(BASELINE);
    return { seconds: (performance.now() - t0) / 1000, rows: res.rowCount ?? 0 };
  } finally {
    await pool.query('drop table bench_baseline');
  }
}

interface RunAnswer {
  runId: string;
  counts: Record<string, number>;
  totalsFen: Record<string, number>;
}

async function reconcile(base: string, authorization: string): Promise<{ seconds: number; run: RunAnswer }> {
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/reconciliations`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ regionCode: COUNTY, year: YEAR }),
  });
  const body = await res.json();
  const seconds = (performance.now() - t0) / 1000;
  if (res.status !== 201) throw new Error(`POST /v1/reconciliations answered ${res.status}: ${JSON.stringify(body)}`);
  return { seconds, run: body as RunAnswer };
}

/** The run must have classified exactly what was generated. */
function check(run: RunAnswer, made: Generated): void {
  const wrong = Object.entries(made.expected).filter(([k, v]) => run.counts[k] !== v);
  if (wrong.length > 0) {
    throw new Error(`the run counted ${JSON.stringify(run.counts)}, the data holds ${JSON.stringify(made.expected)}`);
  }
}

export default async function reconcileBench({ url, db }: BenchContext): Promise<void> {
  const rows = rowsWanted();
  const g0 = performance.now();
  const made = await generate(db, { rows, county: COUNTY, year: YEAR });
  const generated = (performance.now() - g0) / 1000;
  console.error(
    `# ${made.enrolments} enrolments, ${made.payments} payments, ${made.reversals} reversals, ${made.spells} 低保 spells ` +
      `generated in ${generated.toFixed(1)} s`,
  );

  const floors: number[] = [];
  const first = await baseline(db);
  floors.push(first.seconds);
  console.error(`# floor: ${first.seconds.toFixed(2)} s for ${first.rows} person-years`);

  const admin = await createTestKey(db, 'admin');
  const server = await startBenchService(SERVICE, paymentApp, PaymentConfigSchema, url, {
    REQUEST_TIMEOUT_MS: '3600000',
  });
  let service: Awaited<ReturnType<typeof reconcile>>;
  try {
    await poolOf(db)
      .query('checkpoint')
      .catch(() => {});
    service = await reconcile(server.url, admin.headers.authorization);
  } finally {
    await server.close();
  }
  check(service.run, made);
  floors.push((await baseline(db)).seconds);

  const floor = floors.reduce((a, b) => a + b, 0) / floors.length;
  const personYears = Object.values(service.run.counts).reduce((a, b) => a + b, 0);
  if (personYears !== first.rows) {
    throw new Error(`the run has ${personYears} person-years, the floor's join ${first.rows}`);
  }
  const line = (what: string, s: number) => [what, s.toFixed(2), (personYears / s).toFixed(0)];
  console.log(
    `${made.enrolments} enrolments and ${made.payments} payments of county ${COUNTY}, ${YEAR} ` +
      `(${made.reversals} reversed, ${made.spells} 低保 spells), generated in ${generated.toFixed(1)} s\n`,
  );
  console.log(
    table(
      ['path', 'seconds', 'person-years/s'],
      [
        line('floor: one full outer join into a keyed table (mean of 2)', floor),
        line('POST /v1/reconciliations (county, one statement)', service.seconds),
      ],
    ),
  );
  console.log(`\nfloor runs: ${floors.map((s) => s.toFixed(2)).join(' / ')} s (before / after the run)`);
  console.log(
    `\n${table(
      ['class', 'person-years'],
      Object.entries(service.run.counts).map(([c, n]) => [c, String(n)]),
    )}`,
  );
  console.log(`\ntotals (fen): ${JSON.stringify(service.run.totalsFen)}`);
  console.log(resultLine(NAME, service.seconds / floor, '<=', GOAL));
}
