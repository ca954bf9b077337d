import { createTestDatabase, type Db } from '@rmi/db';
import { buildApp, createChangeRunner, createPolicyCatalog, testConfig } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import reportingApp, { SERVICE } from '../src/app.js';
import { ReportingConfigSchema } from '../src/config.js';
import { reportingDb } from '../src/db.js';
import type { ReportingDeps } from '../src/deps.js';

// What the weekly, assessment and export tests share: an app whose day the test sets, and
// counters written by hand (the reports read only counters and snapshots, so hand-written
// counters give hand-computed figures).

export const TOWNSHIP = '500230209'; // 栗子乡
export const V = {
  community: '500230209001', // 栗子社区居民委员会
  nanjiang: '500230209200', // 南江村村民委员会
  jianlong: '500230209201', // 建龙村村民委员会
  jinlongzhai: '500230209203', // 金龙寨村村民委员会
  lianhe: '500230209204', // 联合村村民委员会
  shuangshigun: '500230209206', // 双石磙村村民委员会
} as const;

export interface Clock {
  day: string;
}

/** A test database and the app over it on a day the test moves; the scheduled snapshot is off unless asked. */
export async function weeklyApp(day: string, config: Record<string, string> = {}) {
  const tdb = await createTestDatabase();
  const clock: Clock = { day };
  const app = await appOn(tdb.db, clock, config);
  const db = reportingDb(tdb.db);
  const deps: ReportingDeps = {
    db,
    catalog: createPolicyCatalog(db, { ttlMs: 0, log: { error: () => {} } }),
    today: () => clock.day,
  };
  const change = createChangeRunner(db, { service: SERVICE, writeEvents: async () => {} });
  return { tdb, clock, app, deps, change };
}

/** Another replica of the service on the same database. */
export async function appOn(db: Db, clock: Clock, config: Record<string, string> = {}): Promise<FastifyInstance> {
  const options = {
    db,
    config: testConfig({ SNAPSHOT_CHECK_MS: '0', ...config }, ReportingConfigSchema),
    today: () => clock.day,
  };
  return buildApp(SERVICE, reportingApp, options);
}

export interface Counts {
  target?: number | null;
  registered?: number;
  paid?: number;
  cancelled?: number;
  transferred?: number;
}

/** Sets villages' counters for a year as given (the rows named only; others are left). */
export async function setCounters(db: Db, year: number, villages: Record<string, Counts>): Promise<void> {
  for (const [code, c] of Object.entries(villages)) {
    const row = {
      target: c.target ?? null,
      registered: c.registered ?? 0,
      paid: c.paid ?? 0,
      cancelled: c.cancelled ?? 0,
      transferred: c.transferred ?? 0,
    };
    await db
      .insertInto('reporting.village_counters')
      .values({ year, village_code: code, ...row })
      .onConflict((oc) => oc.columns(['year', 'village_code']).doUpdateSet(row))
      .execute();
  }
}

export async function gql(
  app: FastifyInstance,
  headers: Record<string, string>,
  query: string,
): Promise<{
  status: number;
  data: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: any }>;
}> {
  const res = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query } });
  const body = res.json();
  return { status: res.statusCode, data: body.data ?? null, errors: body.errors };
}
