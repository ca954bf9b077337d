import { createTestDatabase, type Db } from '@rmi/db';
import { csvRecords } from '@rmi/ingest';
import { addDays, checkCharacter } from '@rmi/rules';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import subsidyIdentityApp, { SERVICE, SubsidyIdentityConfigSchema } from '../src/app.js';

// What the tests of the read side (downloads, identity history, deaths, rosters) share: the app
// (and, for tests under the root test/ that need enrolments, another service's app on the same
// database, built by the caller: a service's own tests never import another service), made-up people, and
// department lists posted through the real feed route.

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Villages of the demo regions (packages/db/data/demo-regions.csv). */
export const V = {
  desheng: '500230102200', // 德盛村村民委员会, 社坛镇
  pingan: '500230102201', // 平安村村民委员会, 社坛镇
  nanjiang: '500230209200', // 南江村村民委员会, 栗子乡
  jianlong: '500230209201', // 建龙村村民委员会, 栗子乡
  zhuhe: '500233003001', // 朱河社区居民委员会, 乌杨街道 (忠县)
} as const;
export const LIZI = '500230209'; // 栗子乡
export const SHETAN = '500230102'; // 社坛镇

export async function setup(
  t: Test,
  options: { alongside?: (db: Db) => Promise<FastifyInstance>; config?: Record<string, string> } = {},
) {
  const tdb = await createTestDatabase();
  const app = await buildApp(SERVICE, subsidyIdentityApp, {
    db: tdb.db,
    config: testConfig(options.config ?? {}, SubsidyIdentityConfigSchema),
  });
  const enrollment = options.alongside ? await options.alongside(tdb.db) : null;
  t.teardown(async () => {
    await app.close();
    await enrollment?.close();
    await tdb.destroy();
  });
  const keys = {
    admin: await createTestKey(tdb.db, 'admin'),
    civil: await createTestKey(tdb.db, 'department-feed', { department: 'civil-affairs' }),
    dpf: await createTestKey(tdb.db, 'department-feed', { department: 'disabled-persons-federation' }),
    health: await createTestKey(tdb.db, 'department-feed', { department: 'health' }),
    county: await createTestKey(tdb.db, 'county-operator', { regionCode: '500230' }),
    otherCounty: await createTestKey(tdb.db, 'county-operator', { regionCode: '500233' }),
    lizi: await createTestKey(tdb.db, 'township-operator', { regionCode: LIZI }),
    dashboard: await createTestKey(tdb.db, 'dashboard', { regionCode: '500230' }),
    service: await createTestKey(tdb.db, 'service'),
  };
  return { app, enrollment, db: tdb.db, keys };
}

/** Valid ID numbers of made-up people born in county 500230, each different; `seed` keeps files apart. */
export function idNumbers(seed = 0): () => string {
  let n = 0;
  return () => {
    n += 1;
    const birth = addDays('1950-01-01', n * 11 + seed * 3).replaceAll('-', '');
    const first17 = `500230${birth}${String((n + seed * 100) % 1000).padStart(3, '0')}`;
    return first17 + checkCharacter(first17);
  };
}

export const csvOf = (rows: readonly (readonly string[])[]) => `${rows.map((r) => r.join(',')).join('\r\n')}\r\n`;

export const FEED_HEADER = ['身份证号码', '姓名', '身份类别', '村（居）', '纳入时间'] as const;

type Key = { headers: { authorization: string } };

/** Posts a department's list through the real route (POST /v1/feeds/{department}/batches). */
export async function postFeed(
  app: FastifyInstance,
  key: Key,
  rows: readonly (readonly string[])[],
  { department = 'civil-affairs', query = 'mode=snapshot&period=2025-03' } = {},
) {
  const res = await app.inject({
    method: 'POST',
    url: `/v1/feeds/${department}/batches?${query}`,
    headers: { ...key.headers, 'content-type': 'text/csv' },
    payload: csvOf([FEED_HEADER, ...rows]),
  });
  if (res.statusCode >= 300) throw new Error(`feed post answered ${res.statusCode}: ${res.body}`);
  return res.json() as { batchId: string; status: string; counts: Record<string, number> };
}

/** A CSV download's rows as a spreadsheet would show them, the BOM dropped. */
export function csvRows(text: string): string[][] {
  return csvRecords(text.replace(/^\uFEFF/, '')).map((r) => r.cells);
}
