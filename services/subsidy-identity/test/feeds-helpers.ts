import { createTestDatabase, type Db } from '@rmi/db';
import { addDays, checkCharacter } from '@rmi/rules';
import { buildApp, testConfig } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Test } from 'tap';
import subsidyIdentityApp, { SERVICE, SubsidyIdentityConfigSchema } from '../src/app.js';

// What the feed tests share: the app on a database of its own, made-up people, files built in
// code, and what a clerk (or a subscriber) would look at afterwards.

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Villages of the demo county 500230 (丰都) and one of 500233, as core.regions holds them. */
export const V = {
  shetanJu: '500230102001', // 社稷坛社区居民委员会, 社坛镇
  desheng: '500230102200', // 德盛村村民委员会, 社坛镇
  pingan: '500230102201', // 平安村村民委员会, 社坛镇
  wufu: '500230102202', // 五福村村民委员会, 社坛镇
  nanjiang: '500230209200', // 南江村村民委员会, 栗子乡
  jianlong: '500230209201', // 建龙村村民委员会, 栗子乡
  zhuhe: '500233003001', // 朱河社区居民委员会, 忠县乌杨街道
} as const;

export async function setupFeeds(t: Test, overrides: Record<string, string> = {}) {
  const tdb = await createTestDatabase();
  const app = await buildApp(SERVICE, subsidyIdentityApp, {
    db: tdb.db,
    config: testConfig(overrides, SubsidyIdentityConfigSchema),
  });
  t.teardown(async () => {
    await app.close();
    await tdb.destroy();
  });
  return { app, db: tdb.db };
}

/** Valid ID numbers of made-up people born in county 500230, each different. */
export function idNumbers(): () => string {
  let n = 0;
  return () => {
    n += 1;
    const birth = addDays('1950-01-01', n * 7).replaceAll('-', '');
    const first17 = `500230${birth}${String(n % 1000).padStart(3, '0')}`;
    return first17 + checkCharacter(first17);
  };
}

export const csvOf = (rows: readonly (readonly string[])[]) => `${rows.map((r) => r.join(',')).join('\r\n')}\r\n`;

export interface PostOptions {
  department?: string;
  query?: string;
  type?: string;
  headers?: Record<string, string>;
}

/** What a test reads of an answer. */
export interface Answer {
  statusCode: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
  json(): any;
}

/** POST a file to a department's feed. */
export function postFeed(
  app: FastifyInstance,
  key: { headers: { authorization: string } },
  body: string | Buffer,
  {
    department = 'civil-affairs',
    query = 'mode=snapshot&period=2025-03',
    type = 'text/csv',
    headers = {},
  }: PostOptions = {},
): Promise<Answer> {
  return app.inject({
    method: 'POST',
    url: `/v1/feeds/${department}/batches?${query}`,
    headers: { ...key.headers, ...headers, 'content-type': type },
    payload: body,
  });
}

export interface SpellView {
  id_number: string;
  identity_code: string;
  region_code: string;
  valid_from: string;
  valid_to: string | null;
  current: boolean;
  ended_reason: string | null;
}

/** Every spell of a department, as the table keeps them (history included), in a stable order. */
export async function spellsOf(db: Db, department: string): Promise<SpellView[]> {
  const { rows } = await sql<SpellView>`
    select id_number, identity_code, region_code, valid_from, valid_to, current, ended_reason
    from identity.spells where department = ${department}
    order by id_number, identity_code, id`.execute(db);
  return rows;
}

/** The department's current list: `id:code@village`. */
export async function currentList(db: Db, department: string): Promise<string[]> {
  return (await spellsOf(db, department))
    .filter((s) => s.current)
    .map((s) => `${s.id_number}:${s.identity_code}@${s.region_code}`)
    .sort();
}
