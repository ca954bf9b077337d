import { type Db, poolOf } from '@rmi/db';
import { checkCharacter } from '@rmi/rules';
import { createTestKey } from '@rmi/service-kit';
import { rebuildCounters } from '../../services/reporting/src/counters/rebuild-counters.js';
import { reportingDb } from '../../services/reporting/src/db.js';

// The season's data, written set-wise before anything is measured: the demo county's villages,
// each collector's own persons registered (not paid) for the year, the villages' targets, reporting's
// counters rebuilt over them, and the keys. A bench may write the tables directly: registering is
// measured by registration-import, not here.

export const COUNTY = '500230'; // 丰都县
export const YEAR = 2025;
/** cq-2025, tier 1: the personal part in the concentrated period (003#五(二)). */
export const AMOUNT_FEN = 40_000;
/** A day of the concentrated period, so every payment prices at AMOUNT_FEN. */
export const PAID_DAY = '2024-11-20';
export const CHANNELS = ['wechat', 'alipay', 'pos', 'unionpay-quickpass', 'rural-bank-app', 'collection-client'];

export interface Collector {
  index: number;
  village: string;
  authorization: string;
  /** ID numbers of this collector's persons, each paid at most once by the service's run. */
  persons: string[];
}

export interface Season {
  collectors: Collector[];
  villages: string[];
  townships: string[];
  persons: number;
  /** Bearer headers of the dashboard clients, one key each (the rate limit is per key). */
  dashboards: string[];
  /** The `service` key the services present to each other. */
  serviceKey: string;
}

/**
 * ID number of person g: born on a day of 1950–1999 (900 a day), a sequence number whose parity
 * gives the sex, and its check character.
 */
function person(g: number): { idNumber: string; birthDate: string; sex: 'male' | 'female' } {
  const day = new Date(Date.UTC(1950, 0, 1) + Math.floor(g / 900) * 86_400_000);
  const birthDate = day.toISOString().slice(0, 10);
  const seq = String(100 + (g % 900)).padStart(3, '0');
  const first17 = `${COUNTY}${birthDate.replaceAll('-', '')}${seq}`;
  return { idNumber: first17 + checkCharacter(first17), birthDate, sex: Number(seq) % 2 === 1 ? 'male' : 'female' };
}

export async function prepareSeason(
  db: Db,
  { collectors: count, perCollector, dashboards }: { collectors: number; perCollector: number; dashboards: number },
): Promise<Season> {
  const pool = poolOf(db);
  const villages = (
    await pool.query<{ code: string }>(
      `select code from core.regions where level = 'village' and code like $1 || '%' order by code`,
      [COUNTY],
    )
  ).rows.map((r) => r.code);
  if (villages.length === 0) throw new Error(`county ${COUNTY} has no villages: demo regions missing?`);
  const townships = [...new Set(villages.map((v) => v.slice(0, 9)))];

  // Person g belongs to collector g % count, who works in village (g % count) % villages.
  const total = count * perCollector;
  const ids: string[] = [];
  const births: string[] = [];
  const sexes: string[] = [];
  const homes: string[] = [];
  const collectors: Collector[] = Array.from({ length: count }, (_, index) => ({
    index,
    village: villages[index % villages.length] as string,
    authorization: '',
    persons: [],
  }));
  for (let g = 0; g < total; g++) {
    const p = person(g);
    const c = collectors[g % count] as Collector;
    ids.push(p.idNumber);
    births.push(p.birthDate);
    sexes.push(p.sex);
    homes.push(c.village);
    c.persons.push(p.idNumber);
  }
  await pool.query(
    `insert into enrollment.persons (id_number, name, sex, birth_date, hukou_region_code, category)
     select id, '居民' || n, sex, birth::date, home, 'resident'
     from unnest($1::text[], $2::text[], $3::text[], $4::text[]) with ordinality as u(id, birth, sex, home, n)`,
    [ids, births, sexes, homes],
  );
  await pool.query(
    `insert into enrollment.enrolments (id_number, year, region_code, category, tier, status, basis, identities)
     select id, $3, home, 'resident', 1, 'registered', 'independent', '{}'
     from unnest($1::text[], $2::text[]) as u(id, home)`,
    [ids, homes, YEAR],
  );
  // 任务数: a little above what each village registered, so the dashboards show a gap closing.
  await pool.query(
    `insert into core.targets (region_code, year, target, basis, source)
     select region_code, $1, (count(*) * 11 / 10)::int, 'loaded', 'bench'
     from enrollment.enrolments where year = $1 group by region_code`,
    [YEAR],
  );
  await pool.query('analyze enrollment.persons, enrollment.enrolments, core.targets');
  await rebuildCounters({ db: reportingDb(db) });

  for (const c of collectors) {
    c.authorization = (await createTestKey(db, 'collector', { regionCode: c.village })).headers.authorization;
  }
  const dashboardKeys: string[] = [];
  for (let i = 0; i < dashboards; i++) {
    dashboardKeys.push((await createTestKey(db, 'dashboard', { regionCode: COUNTY })).headers.authorization);
  }
  const service = await createTestKey(db, 'service');
  return { collectors, villages, townships, persons: total, dashboards: dashboardKeys, serviceKey: service.key };
}
