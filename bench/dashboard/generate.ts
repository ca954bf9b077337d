import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createDb,
  type Db,
  dropDatabase,
  ensureDatabase,
  migrationFileNames,
  migrationsFolder,
  poolOf,
  prepareDatabase,
  withDatabase,
} from '@rmi/db';

// The dashboard's county, kept between runs: generating ten million enrolments takes minutes, and
// `rmi_bench` is dropped on every run, so the rows live in a database of their own on the same
// server. A marker row holds the row count and a fingerprint of the migrations and of the
// statements below; when they differ (or BENCH_FRESH=1) the database is dropped and written again.

export const DATA_DATABASE = 'rmi_bench_dashboard';
/** 垫江县: a county of the base regions whose townships and villages no seed loads. */
export const COUNTY = '500231';
export const TOWNSHIPS = 100;
export const VILLAGES_PER_TOWNSHIP = 30;
export const VILLAGES = TOWNSHIPS * VILLAGES_PER_TOWNSHIP;
export const YEAR = 2025;

const CHUNK = 1_000_000;

export interface DataSet {
  url: string;
  db: Db;
  rows: number;
  /** Seconds the rows took to write in this run; null when an earlier run's rows were reused. */
  generatedSeconds: number | null;
  /** What the run that wrote them took, as its marker recorded. */
  recordedSeconds: number;
  close(): Promise<void>;
}

// Person g (1..rows) lives in village g % 3000; their status follows (g / 3000) % 100, so every
// village gets every status, and the share paid moves with the village (52% to 96%), so the
// villages' rates differ: 2% cancelled (moved away), 1% transferred to employee insurance after
// paying, then paid up to 55 + v % 45, the rest registered and unpaid.
const VILLAGE = (v: string) =>
  `'${COUNTY}' || lpad((${v} / ${VILLAGES_PER_TOWNSHIP} + 1)::text, 3, '0') || lpad((${v} % ${VILLAGES_PER_TOWNSHIP} + 1)::text, 3, '0')`;
// ID numbers rise with g (birth day, then a sequence number within it), so the keys are written in
// order: random keys would have the inserts of ten million rows wait on the index pages they evict.
const PER_DAY = 500;
const ID = `'${COUNTY}' || to_char(date '1940-01-01' + g / ${PER_DAY}, 'YYYYMMDD') || lpad((g % ${PER_DAY})::text, 4, '0')`;

const PERSONS = `
  insert into enrollment.persons (id_number, name, sex, birth_date, hukou_region_code, category)
  select ${ID}, '居民' || g, case when g % 2 = 0 then 'female' else 'male' end, date '1940-01-01' + g / ${PER_DAY},
         ${VILLAGE(`(g % ${VILLAGES})`)}, 'resident'
  from generate_series($1::int, $2::int) g`;

const ENROLMENTS = `
  insert into enrollment.enrolments (id_number, year, region_code, status, policy_id, identities, standard_fen,
    fiscal_subsidy_fen, assistance_fen, waiver_fen, personal_fen, paid_fen, paid_on, benefit_start, benefit_end,
    waiting_days, cancel_reason, cancelled_on, employee_cover_from)
  select ${ID}, ${YEAR}, ${VILLAGE('x.v')}, s.status, case when s.paid then 'cq-${YEAR}' end, '{}',
         case when s.paid then 40000 end, case when s.paid then 0 end, case when s.paid then 0 end,
         case when s.paid then 0 end, case when s.paid then 40000 end, case when s.paid then 40000 end,
         case when s.paid then date '2024-11-15' + g % 40 end,
         case when s.paid then date '${YEAR}-01-01' end, case when s.paid then date '${YEAR}-12-31' end,
         case when s.paid then 0 end,
         case when s.status = 'cancelled' then 'moved' end, case when s.status = 'cancelled' then date '2024-12-01' end,
         case when s.status = 'transferred' then date '${YEAR}-03-01' end
  from generate_series($1::int, $2::int) g,
       lateral (select g % ${VILLAGES} as v, (g / ${VILLAGES}) % 100 as b) x,
       lateral (select case when x.b < 2 then 'cancelled' when x.b < 3 then 'transferred'
                            when x.b < 55 + x.v % 45 then 'paid' else 'registered' end as status) s0,
       lateral (select s0.status, s0.status in ('paid', 'transferred') as paid) s`;

// 100 townships of 30 villages under the county, with made-up names.
const TOWNSHIPS_SQL = `
  insert into core.regions (code, name, level, parent_code, source)
  select '${COUNTY}' || lpad(t::text, 3, '0'), '第' || t || '镇', 'township', '${COUNTY}', 'bench'
  from generate_series(1, ${TOWNSHIPS}) t`;
const VILLAGES_SQL = `
  insert into core.regions (code, name, level, parent_code, source)
  select ${VILLAGE('v')}, '第' || (v % ${VILLAGES_PER_TOWNSHIP} + 1) || '村', 'village', left(${VILLAGE('v')}, 9), 'bench'
  from generate_series(0, ${VILLAGES - 1}) v`;
// The villages' targets (任务数): about what each village registered, a little under or over.
const TARGETS_SQL = (rows: number) => `
  insert into core.targets (region_code, year, target, basis, source)
  select ${VILLAGE('v')}, ${YEAR}, (${rows}::bigint * (96 + v % 7) / 100 / ${VILLAGES})::int, 'loaded', 'bench'
  from generate_series(0, ${VILLAGES - 1}) v`;

/** What decides the rows: when any of it changes, the kept rows are written again. */
async function fingerprint(rows: number): Promise<string> {
  const hash = createHash('sha256').update(`${rows}\n`);
  for (const text of [TOWNSHIPS_SQL, VILLAGES_SQL, PERSONS, ENROLMENTS, TARGETS_SQL(rows)]) hash.update(text);
  for (const file of await migrationFileNames()) {
    hash.update(file).update(await readFile(path.join(migrationsFolder, file)));
  }
  return hash.digest('hex');
}

async function marker(db: Db): Promise<{ fingerprint: string; seconds: number } | null> {
  try {
    const { rows } = await poolOf(db).query<{ fingerprint: string; seconds: number }>(
      'select fingerprint, seconds::float8 as seconds from public.bench_dashboard_data',
    );
    return rows[0] ?? null;
  } catch {
    return null;
  }
}

async function write(db: Db, rows: number, log: (line: string) => void): Promise<void> {
  const pool = poolOf(db);
  await prepareDatabase(db);
  await pool.query(TOWNSHIPS_SQL);
  await pool.query(VILLAGES_SQL);
  // In chunks, so a long run shows where it is.
  for (const [what, text] of [
    ['persons', PERSONS],
    ['enrolments', ENROLMENTS],
  ] as const) {
    for (let lo = 1; lo <= rows; lo += CHUNK) {
      const hi = Math.min(rows, lo + CHUNK - 1);
      const t0 = performance.now();
      await pool.query(text, [lo, hi]);
      log(`# ${what} ${lo}..${hi} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
  await pool.query(TARGETS_SQL(rows));
  // Visibility map set and statistics fresh, as on a server whose autovacuum has caught up.
  await pool.query('vacuum analyze enrollment.persons, enrollment.enrolments, core.regions, core.targets');
}

/**
 * The county's rows with `rows` enrolments in `DATA_DATABASE` on the server of `benchUrl`, written
 * unless the previous run left the same ones.
 */
export async function dataSet(benchUrl: string, rows: number, log: (line: string) => void): Promise<DataSet> {
  const url = withDatabase(benchUrl, DATA_DATABASE);
  const wanted = await fingerprint(rows);
  await ensureDatabase(benchUrl, DATA_DATABASE);
  let db = createDb(url, { max: 10, applicationName: 'rmi-bench' });
  const found = process.env.BENCH_FRESH === '1' ? null : await marker(db);
  let generatedSeconds: number | null = null;
  let recordedSeconds = found?.seconds ?? 0;
  if (found?.fingerprint !== wanted) {
    log(`# writing ${rows} enrolments into ${DATA_DATABASE} (kept for the next run)`);
    await db.destroy();
    await dropDatabase(benchUrl, DATA_DATABASE);
    await ensureDatabase(benchUrl, DATA_DATABASE);
    db = createDb(url, { max: 10, applicationName: 'rmi-bench' });
    const t0 = performance.now();
    await write(db, rows, log);
    generatedSeconds = (performance.now() - t0) / 1000;
    recordedSeconds = generatedSeconds;
    await poolOf(db).query(
      'create table public.bench_dashboard_data (rows bigint not null, fingerprint text not null, seconds numeric not null)',
    );
    await poolOf(db).query('insert into public.bench_dashboard_data values ($1, $2, $3)', [
      rows,
      wanted,
      generatedSeconds,
    ]);
  }
  const keep = db;
  return {
    url,
    db: keep,
    rows,
    generatedSeconds,
    recordedSeconds,
    close: () => keep.destroy(),
  };
}
