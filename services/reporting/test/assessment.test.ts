import type { Db } from '@rmi/db';
import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { gql, setCounters, TOWNSHIP, V, weeklyApp } from './weekly-fixtures.js';

// The assessment of 栗子乡's villages for 2025 under cq-2025 (003#八(四)): done by 2024-12-20 → 0;
// otherwise by whole percent completed, rounded down: ≥99% → 0.2, 97–98% → 0.5, 95–96% → 0.8,
// below 95% → 1. Paid counts by payment day, by hand.

const { tdb, clock, app } = await weeklyApp('2025-01-10');
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});
const dash = await createTestKey(tdb.db, 'dashboard', { regionCode: TOWNSHIP });
const SOURCE = '003_01f4ef08c34ea7cb.txt#八(四)';

async function paidOn(db: Db, village: string, days: Record<string, number>): Promise<void> {
  await db
    .insertInto('reporting.daily_counters')
    .values(
      Object.entries(days).map(([day, paid]) => ({
        year: 2025,
        village_code: village,
        day,
        paid,
        personal_fen: paid * 40000,
        assistance_fen: 0,
        fiscal_fen: 0,
      })),
    )
    .execute();
}

await setCounters(tdb.db, 2025, {
  [V.community]: { target: 10000, paid: 9900 },
  [V.nanjiang]: { target: 10000, paid: 9700 },
  [V.jianlong]: { target: 10000, paid: 9900 },
  [V.jinlongzhai]: { target: 10000, paid: 9499 },
  [V.lianhe]: { target: 100, paid: 105 },
  [V.shuangshigun]: { target: null, paid: 10 }, // no target: not assessed
});
await paidOn(tdb.db, V.community, { '2024-10-01': 5000, '2024-12-10': 4900 }); // 99% exactly
await paidOn(tdb.db, V.nanjiang, { '2024-10-01': 9700 }); // 97%
await paidOn(tdb.db, V.jianlong, { '2024-11-01': 9000, '2024-12-01': 500, '2025-02-01': 400 }); // 95% by Jan 10
await paidOn(tdb.db, V.jinlongzhai, { '2024-10-01': 9000, '2024-12-30': 499 }); // 94.99%
await paidOn(tdb.db, V.lianhe, { '2024-11-01': 60, '2024-12-15': 40, '2024-12-30': 5 }); // done Dec 15
await paidOn(tdb.db, V.shuangshigun, { '2024-11-01': 10 });

const FIELDS = 'region { code name } target paid rate completionPercent deduction band completedOn source';
const assess = (args: string) =>
  gql(app, dash.headers, `{ assessment(townshipCode: "${TOWNSHIP}", year: 2025${args}) { ${FIELDS} } }`);

t.test('each band at its edge, and a village done before the deadline', async (t) => {
  const { data, errors } = await assess('');
  t.notOk(errors, JSON.stringify(errors));
  t.same(data?.assessment, [
    {
      region: { code: V.community, name: '栗子社区居民委员会' },
      target: 10000,
      paid: 9900,
      rate: 0.99,
      completionPercent: 99,
      deduction: 0.2,
      band: '≥99%',
      completedOn: null,
      source: SOURCE,
    },
    {
      region: { code: V.nanjiang, name: '南江村村民委员会' },
      target: 10000,
      paid: 9700,
      rate: 0.97,
      completionPercent: 97,
      deduction: 0.5,
      band: '97–98%',
      completedOn: null,
      source: SOURCE,
    },
    {
      region: { code: V.jianlong, name: '建龙村村民委员会' },
      target: 10000,
      paid: 9500,
      rate: 0.95,
      completionPercent: 95,
      deduction: 0.8,
      band: '95–96%',
      completedOn: null,
      source: SOURCE,
    },
    {
      region: { code: V.jinlongzhai, name: '金龙寨村村民委员会' },
      target: 10000,
      paid: 9499,
      rate: 0.9499,
      completionPercent: 94,
      deduction: 1,
      band: '<95%',
      completedOn: null,
      source: SOURCE,
    },
    {
      region: { code: V.lianhe, name: '联合村村民委员会' },
      target: 100,
      paid: 105,
      rate: 1.05,
      completionPercent: 105,
      deduction: 0,
      band: 'done-in-time',
      completedOn: '2024-12-15',
      source: SOURCE,
    },
  ]);
});

t.test('scored on another day, only what was paid by then counts', async (t) => {
  const { data } = await assess(', on: "2024-12-01"');
  const rows = data?.assessment.map(
    (a: { region: { code: string }; paid: number; band: string; completedOn: string }) => [
      a.region.code,
      a.paid,
      a.band,
      a.completedOn,
    ],
  );
  t.same(rows, [
    [V.community, 5000, '<95%', null],
    [V.nanjiang, 9700, '97–98%', null],
    [V.jianlong, 9500, '95–96%', null],
    [V.jinlongzhai, 9000, '<95%', null],
    [V.lianhe, 60, '<95%', null],
  ]);
  const deadline = await assess(', on: "2024-12-20"');
  t.match(deadline.data?.assessment[4], { paid: 100, completedOn: '2024-12-15', deduction: 0 });
});

t.test('the day defaults to today', async (t) => {
  clock.day = '2025-02-01';
  const { data } = await assess('');
  t.match(data?.assessment[2], { region: { code: V.jianlong }, paid: 9900, band: '≥99%', deduction: 0.2 });
  clock.day = '2025-01-10';
});

t.test('a year without assessment bands, unknown years, bad days, other regions', async (t) => {
  const code = async (q: string) => (await gql(app, dash.headers, q)).errors?.[0]?.extensions?.code;
  const q = (args: string) => `{ assessment(${args}) { band } }`;
  t.equal(await code(q(`townshipCode: "${TOWNSHIP}", year: 2024`)), 'POLICY_INCOMPLETE', 'cq-2024 states no bands');
  t.equal(await code(q(`townshipCode: "${TOWNSHIP}", year: 2019`)), 'VALIDATION_FAILED');
  t.equal(await code(q(`townshipCode: "${TOWNSHIP}", year: 2025, on: "2024-13-01"`)), 'VALIDATION_FAILED');
  t.equal(await code(q('townshipCode: "500230209001", year: 2025')), 'VALIDATION_FAILED', 'a village');
  t.equal(await code(q('townshipCode: "500230208", year: 2025')), 'OUT_OF_SCOPE');
});
