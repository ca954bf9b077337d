// The county as the services know it: its townships and villages (read, not written), the keys
// an admin hands out, the villages' targets, and the register built from each township's file.
import { call, eachLimited } from './api.js';
import type { Keys, SeasonContext } from './context.js';
import { YEAR } from './context.js';
import { idNumberOf, type Township } from './plan.js';

interface RegionTree {
  code: string;
  name: string;
  children?: RegionTree[];
}

/** The county's townships and villages from `GET /v1/regions/{code}` (the tree one level per call). */
export async function readCounty(enrollment: string, admin: string, county: string): Promise<Township[]> {
  const { body } = await call<RegionTree>('GET', `${enrollment}/v1/regions/${county}`, { key: admin });
  const townships: Township[] = [];
  for (const t of body.children ?? []) {
    const { body: tree } = await call<RegionTree>('GET', `${enrollment}/v1/regions/${t.code}`, { key: admin });
    const villages = (tree.children ?? []).map((v) => ({ code: v.code, name: v.name, township: t.code }));
    if (villages.length) townships.push({ code: t.code, name: t.name, villages });
  }
  if (!townships.length) throw new Error(`county ${county} has no villages loaded`);
  return townships;
}

/** Every key the season's actors use, made by the admin through `POST /v1/api-keys`. */
export async function createKeys(
  enrollment: string,
  admin: string,
  county: string,
  townships: Township[],
): Promise<Keys> {
  const make = async (body: Record<string, string>) =>
    (await call<{ key: string }>('POST', `${enrollment}/v1/api-keys`, { key: admin, body })).body.key;
  const keys: Keys = {
    admin,
    county: await make({ name: `county office ${county}`, role: 'county-operator', regionCode: county }),
    dashboard: await make({ name: `dashboard ${county}`, role: 'dashboard', regionCode: county }),
    townships: new Map(),
    collectors: new Map(),
    feeds: new Map(),
  };
  for (const t of townships) {
    keys.townships.set(t.code, await make({ name: `${t.name} office`, role: 'township-operator', regionCode: t.code }));
  }
  await eachLimited(
    townships.flatMap((t) => t.villages),
    8,
    async (v) => {
      const name = `收费员 ${v.name}`;
      keys.collectors.set(v.code, { key: await make({ name, role: 'collector', regionCode: v.code }), name });
    },
  );
  for (const department of ['civil-affairs', 'disabled-persons-federation', 'rural-affairs', 'health', 'tax']) {
    keys.feeds.set(
      department,
      await make({ name: `${department} ${county}`, role: 'department-feed', department, regionCode: county }),
    );
  }
  return keys;
}

/** 任务数 per village, set by the county office. */
export async function setTargets(ctx: SeasonContext): Promise<void> {
  const targets = [...ctx.targets].map(([regionCode, target]) => ({ regionCode, target }));
  await call('PUT', `${ctx.urls.enrollment}/v1/targets`, { key: ctx.keys.county, body: { year: YEAR, targets } });
}

const csvField = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
export const csv = (rows: string[][]) => `${rows.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;

interface ImportAnswer {
  id: string;
  status: string;
  rowsTotal: number | null;
  rowsRejected: number | null;
  personsCreated: number | null;
  enrolmentsCreated: number | null;
}

/**
 * One file per township, as its office keeps the register: households by 户号 with their 户主,
 * some people on tier 2, and three bad rows a county would recognise (a mistyped ID number, a row
 * without a name, a village that does not exist), which must come back by line while the rest is applied.
 */
export async function registerTownships(ctx: SeasonContext): Promise<void> {
  const header = ['身份证号', '姓名', '村(社区)代码', '档次', '户号', '与户主关系'];
  ctx.progress.start('registration imports', ctx.plan.persons.length);
  for (const t of ctx.plan.townships) {
    const people = ctx.plan.persons.filter((p) => p.township === t.code);
    const rows = people.map((p) => [p.idNumber, p.name, p.village, String(p.tier), p.householdNumber, p.relation]);
    const first = people[0];
    if (!first) continue;
    const check = first.idNumber.slice(17);
    const mistyped = `${first.idNumber.slice(0, 17)}${check === '0' ? '1' : '0'}`;
    const spare = ctx.plan.persons.length + 1_000 * (ctx.plan.townships.indexOf(t) + 1);
    const bad = [
      [mistyped, '错号', first.village, '1', '', ''],
      [idNumberOf(spare, ctx.plan.seed), '', first.village, '1', '', ''],
      [idNumberOf(spare + 1, ctx.plan.seed), '无村', `${t.code}999`, '1', '', ''],
    ];
    // The bad rows sit between good ones, at known lines (the header is line 1).
    const at = [Math.floor(rows.length / 3), Math.floor((2 * rows.length) / 3), rows.length];
    const all = [...rows];
    for (const [i, row] of [...bad.entries()].reverse()) all.splice(at[i] as number, 0, row);
    const badLines = at.map((pos, i) => pos + i + 2);
    const { body } = await call<ImportAnswer>(
      'POST',
      `${ctx.urls.enrollment}/v1/registration-imports?year=${YEAR}&mode=valid-rows&wait=true&fileName=${encodeURIComponent(`${t.name}-参保登记.csv`)}`,
      { key: ctx.keys.townships.get(t.code), file: { data: csv([header, ...all]), contentType: 'text/csv' } },
    );
    ctx.expect(t.name, '登记导入 状态', 'applied', body.status);
    ctx.expect(t.name, '登记导入 被拒行数', 3, body.rowsRejected);
    ctx.expect(t.name, '登记导入 新参保', people.length, body.enrolmentsCreated);
    const { body: rejections } = await call<string>(
      'GET',
      `${ctx.urls.enrollment}/v1/registration-imports/${body.id}/rejections.csv`,
      { key: ctx.keys.townships.get(t.code) },
    );
    const lines = String(rejections)
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .slice(1)
      .filter(Boolean)
      .map((l) => Number(l.split(',')[0]));
    ctx.expect(t.name, '登记导入 被拒行号', badLines.join(' '), lines.join(' '));
    ctx.notes.rejectedRows = (ctx.notes.rejectedRows ?? 0) + (body.rowsRejected ?? 0);
    ctx.progress.tick(people.length);
    ctx.log(`  ${t.name}: ${body.enrolmentsCreated} registered, rows rejected at lines ${lines.join(', ')}`);
  }
  ctx.progress.done();
}
