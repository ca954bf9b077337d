import { createTestKey } from '@rmi/service-kit';
import { sql } from 'kysely';
import t from 'tap';
import { closePreviousWeek } from '../src/weekly/snapshots.js';
import { appOn, gql, setCounters, TOWNSHIP, V, weeklyApp } from './weekly-fixtures.js';

// The weekly report of 栗子乡 for the year 2025 (collected in the autumn of 2024), figures by hand.
// Week 2024-W46 (Nov 11–17): an operator's snapshot; week 2024-W47 (Nov 18–24): live, then closed
// by the schedule on Monday Nov 25.

const { tdb, clock, app, deps, change } = await weeklyApp('2024-11-13');
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});
const operator = await createTestKey(tdb.db, 'township-operator', { regionCode: TOWNSHIP });
const dash = await createTestKey(tdb.db, 'dashboard', { regionCode: '500230' });

// Week 46: rates 0.5, 0.6, 0.3, 0.5, 0.1 and a village without counters (0).
const WEEK46 = {
  [V.community]: { target: 100, paid: 50, registered: 20 },
  [V.nanjiang]: { target: 50, paid: 30 },
  [V.jianlong]: { target: 200, paid: 60 },
  [V.jinlongzhai]: { target: 40, paid: 20 },
  [V.lianhe]: { target: 80, paid: 8 },
};
// Week 47: 0.8, 0.8 (a tie), 0.6, 0.9, and 0.1 again, two of them moved to employee insurance after paying.
const WEEK47 = {
  [V.community]: { target: 100, paid: 80 },
  [V.nanjiang]: { target: 50, paid: 40 },
  [V.jianlong]: { target: 200, paid: 120 },
  [V.jinlongzhai]: { target: 40, paid: 36 },
  [V.lianhe]: { target: 80, paid: 6, transferred: 2 },
};

const REPORT = `week year takenAt closed previousWeek township { code name }
  villages { region { code name } rank target paid rate previousRank rateChange }`;
const report = (args: string, headers = dash.headers) =>
  gql(app, headers, `{ weeklyReport(townshipCode: "${TOWNSHIP}", year: 2025${args}) { ${REPORT} } }`);
const ranking = (villages: Array<{ region: { code: string }; rank: number }>) =>
  villages.map((v) => [v.region.code, v.rank]);

t.test('an operator snapshots the running week', async (t) => {
  await setCounters(tdb.db, 2025, WEEK46);
  const res = await app.inject({ method: 'POST', url: '/v1/snapshots', headers: operator.headers, payload: {} });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { week: '2024-W46', snapshots: [{ year: 2025, week: '2024-W46', closed: false, villages: 5 }] });
  const audit = await tdb.db
    .selectFrom('core.audit_log')
    .select(['action', 'actor_key_id'])
    .where('service', '=', 'reporting')
    .execute();
  t.same(audit, [{ action: 'snapshot.taken', actor_key_id: operator.id }]);
});

t.test('the running week is ranked live against last week’s snapshot, ties sharing a rank', async (t) => {
  clock.day = '2024-11-20';
  await setCounters(tdb.db, 2025, WEEK47);
  const { data, errors } = await report('');
  t.notOk(errors, JSON.stringify(errors));
  const r = data?.weeklyReport;
  t.match(r, {
    week: '2024-W47',
    year: 2025,
    takenAt: null,
    closed: false,
    previousWeek: '2024-W46',
    township: { code: TOWNSHIP, name: '栗子乡' },
  });
  t.same(ranking(r.villages), [
    [V.jinlongzhai, 1],
    [V.community, 2],
    [V.nanjiang, 2],
    [V.jianlong, 4],
    [V.lianhe, 5],
    [V.shuangshigun, 6],
  ]);
  const byCode = Object.fromEntries(r.villages.map((v: { region: { code: string } }) => [v.region.code, v]));
  t.match(byCode[V.jinlongzhai], { target: 40, paid: 36, rate: 0.9, previousRank: 2, rateChange: 0.4 });
  t.match(byCode[V.community], { target: 100, paid: 80, rate: 0.8, previousRank: 2, rateChange: 0.3 });
  t.match(byCode[V.nanjiang], { target: 50, paid: 40, rate: 0.8, previousRank: 1, rateChange: 0.2 });
  t.match(byCode[V.jianlong], { paid: 120, rate: 0.6, previousRank: 4, rateChange: 0.3 });
  t.match(byCode[V.lianhe], { target: 80, paid: 8, rate: 0.1, previousRank: 5, rateChange: 0 });
  t.match(byCode[V.shuangshigun], { region: { name: '双石磙村村民委员会' }, target: 0, paid: 0, rate: 0, rank: 6 });
});

t.test(
  'a snapshotted week reads as it was; the week before it without a snapshot leaves the change null',
  async (t) => {
    const { data, errors } = await report(', week: "2024-W46"');
    t.notOk(errors, JSON.stringify(errors));
    const r = data?.weeklyReport;
    t.match(r, { week: '2024-W46', closed: false, previousWeek: '2024-W45' });
    t.ok(r.takenAt);
    t.same(ranking(r.villages), [
      [V.nanjiang, 1],
      [V.community, 2],
      [V.jinlongzhai, 2],
      [V.jianlong, 4],
      [V.lianhe, 5],
      [V.shuangshigun, 6],
    ]);
    t.ok(
      r.villages.every(
        (v: { previousRank: unknown; rateChange: unknown }) => v.previousRank === null && v.rateChange === null,
      ),
    );
  },
);

t.test('the week is closed once Monday has come, and its report no longer moves', async (t) => {
  clock.day = '2024-11-25';
  const taken = await closePreviousWeek(deps, change, clock.day);
  t.match(taken, [{ year: 2025, week: '2024-W47', closed: true, villages: 5 }]);
  t.same(await closePreviousWeek(deps, change, clock.day), [], 'taken once');
  await setCounters(tdb.db, 2025, { [V.lianhe]: { target: 80, paid: 80 } });
  const { data } = await report(', week: "2024-W47"');
  const r = data?.weeklyReport;
  t.match(r, { week: '2024-W47', closed: true, previousWeek: '2024-W46' });
  t.match(
    r.villages.find((v: { region: { code: string } }) => v.region.code === V.lianhe),
    { paid: 8, rank: 5, previousRank: 5 },
  );
  const live = (await report('')).data?.weeklyReport;
  t.match(live, { week: '2024-W48', previousWeek: '2024-W47', closed: false });
  t.match(live.villages[0], { region: { code: V.lianhe }, rank: 1, rate: 1, previousRank: 5, rateChange: 0.9 });
});

t.test('a closed week is not retaken', async (t) => {
  clock.day = '2024-11-24'; // a replica whose clock still says week 47
  const res = await app.inject({ method: 'POST', url: '/v1/snapshots', headers: operator.headers, payload: {} });
  t.equal(res.statusCode, 409);
  t.equal(res.json().code, 'WEEK_CLOSED');
  clock.day = '2024-11-27';
});

t.test('snapshots are listed newest week first', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/v1/snapshots?year=2025', headers: dash.headers });
  t.equal(res.statusCode, 200);
  t.match(
    res
      .json()
      .snapshots.map((s: { week: string; closed: boolean; takenBy: string | null }) => [s.week, s.closed, s.takenBy]),
    [
      ['2024-W47', true, null],
      ['2024-W46', false, operator.id],
    ],
  );
  const none = await app.inject({ method: 'GET', url: '/v1/snapshots?year=2019', headers: dash.headers });
  t.same(none.json(), { snapshots: [] });
  const bad = await app.inject({ method: 'GET', url: '/v1/snapshots?year=soon', headers: dash.headers });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().code, 'VALIDATION_FAILED');
});

t.test('the weekly trend: the last snapshots oldest first, then the running week live', async (t) => {
  // Week 46: target 470, paid 168; week 47: 284; now (week 48) 356 with 联合村 done.
  const { data, errors } = await gql(
    app,
    dash.headers,
    `{ all: weeklyTrend(regionCode: "${TOWNSHIP}", year: 2025) { week target paid rate closed }
       last: weeklyTrend(regionCode: "${TOWNSHIP}", year: 2025, weeks: 1) { week paid }
       village: weeklyTrend(regionCode: "${V.lianhe}", year: 2025, weeks: 52) { week paid } }`,
  );
  t.notOk(errors, JSON.stringify(errors));
  t.same(data?.all, [
    { week: '2024-W46', target: 470, paid: 168, rate: 168 / 470, closed: false },
    { week: '2024-W47', target: 470, paid: 284, rate: 284 / 470, closed: true },
    { week: '2024-W48', target: 470, paid: 356, rate: 356 / 470, closed: false },
  ]);
  t.same(data?.last, [
    { week: '2024-W47', paid: 284 },
    { week: '2024-W48', paid: 356 },
  ]);
  t.same(data?.village, [
    { week: '2024-W46', paid: 8 },
    { week: '2024-W47', paid: 8 },
    { week: '2024-W48', paid: 80 },
  ]);
});

t.test('bad arguments are VALIDATION_FAILED; a township outside the key OUT_OF_SCOPE', async (t) => {
  const code = async (q: string, headers = dash.headers) => (await gql(app, headers, q)).errors?.[0]?.extensions?.code;
  const weekly = (args: string) => `{ weeklyReport(${args}) { week } }`;
  t.equal(await code(weekly(`townshipCode: "${TOWNSHIP}", year: 2025, week: "2024-W60"`)), 'VALIDATION_FAILED');
  t.equal(await code(weekly(`townshipCode: "${TOWNSHIP}", year: 2025, week: "2024-47"`)), 'VALIDATION_FAILED');
  t.equal(
    await code(weekly(`townshipCode: "${TOWNSHIP}", year: 2025, week: "2024-W40"`)),
    'VALIDATION_FAILED',
    'no snapshot',
  );
  t.equal(await code(weekly(`townshipCode: "${TOWNSHIP}", year: 2019`)), 'VALIDATION_FAILED', 'no policy');
  t.equal(await code(weekly('townshipCode: "500230", year: 2025')), 'VALIDATION_FAILED', 'a county');
  t.equal(await code(weekly('townshipCode: "500230208", year: 2025'), operator.headers), 'OUT_OF_SCOPE');
  t.equal(await code(weekly('townshipCode: "500231001", year: 2025')), 'OUT_OF_SCOPE');
  const both = await gql(app, dash.headers, weekly('townshipCode: "5002302", year: 2025, week: "W47"'));
  t.same(
    both.errors?.[0]?.extensions?.errors?.map((e: { path: string }) => e.path),
    ['townshipCode', 'week'],
    'every bad argument listed',
  );
  const trend = (args: string) => `{ weeklyTrend(${args}) { week } }`;
  t.equal(await code(trend(`regionCode: "${TOWNSHIP}", year: 2025, weeks: 0`)), 'VALIDATION_FAILED');
  t.equal(await code(trend(`regionCode: "${TOWNSHIP}", year: 2025, weeks: 53`)), 'VALIDATION_FAILED');
  t.equal(await code(trend(`regionCode: "${TOWNSHIP}", year: 2031`)), 'VALIDATION_FAILED');
  t.equal(await code(trend('regionCode: "5002", year: 2025'), operator.headers), 'OUT_OF_SCOPE');
});

t.test('only operators and admin take snapshots', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/v1/snapshots', headers: dash.headers, payload: {} });
  t.equal(res.statusCode, 403);
  t.equal(res.json().code, 'FORBIDDEN_ROLE');
  const year = await app.inject({
    method: 'POST',
    url: '/v1/snapshots',
    headers: operator.headers,
    payload: { year: 2019 },
  });
  t.equal(year.statusCode, 400);
  t.equal(year.json().code, 'VALIDATION_FAILED');
});

t.test('two snapshots of one week at once leave one, whole', async (t) => {
  clock.day = '2024-12-04'; // 2024-W49
  const county = await createTestKey(tdb.db, 'county-operator', { regionCode: '500230' });
  const [a, b] = await Promise.all([
    app.inject({ method: 'POST', url: '/v1/snapshots', headers: operator.headers, payload: { year: 2025 } }),
    app.inject({ method: 'POST', url: '/v1/snapshots', headers: county.headers, payload: { year: 2025 } }),
  ]);
  t.equal(a.statusCode, 201, a.body);
  t.equal(b.statusCode, 201, b.body);
  const rows = await tdb.db
    .selectFrom('reporting.snapshots as s')
    .innerJoin('reporting.snapshot_villages as v', 'v.snapshot_id', 's.id')
    .select(['s.id', 'v.village_code'])
    .where('s.week', '=', '2024-W49')
    .execute();
  t.equal(new Set(rows.map((r) => r.id)).size, 1, 'one snapshot of the week');
  t.equal(rows.length, 5, 'each village once');
});

t.test('two replicas closing the same week at once take one closing snapshot', async (t) => {
  clock.day = '2024-12-09'; // Monday of 2024-W50: week 49 ends
  const closings = await Promise.all([0, 1, 2].map(() => closePreviousWeek(deps, change, clock.day)));
  t.same(closings.map((c) => c.length).sort(), [0, 0, 1]);
  const audit = await tdb.db
    .selectFrom('core.audit_log')
    .select('entity_id')
    .where('action', '=', 'snapshot.closed')
    .execute();
  t.equal(audit.length, 2, 'week 47, then week 49 once');
  const w49 = await tdb.db.selectFrom('reporting.snapshots').selectAll().where('week', '=', '2024-W49').execute();
  t.match(w49, [{ year: 2025, closed: true, taken_by: null }]);
});

t.test('week-over-week change across the turn of the year', async (t) => {
  clock.day = '2024-12-26'; // 2024-W52
  await setCounters(tdb.db, 2025, { [V.community]: { target: 100, paid: 90 } });
  const res = await app.inject({ method: 'POST', url: '/v1/snapshots', headers: operator.headers, payload: {} });
  t.equal(res.json().week, '2024-W52');
  clock.day = '2025-01-02'; // 2025-W01
  await setCounters(tdb.db, 2025, { [V.community]: { target: 100, paid: 95 } });
  const r = (await report('')).data?.weeklyReport;
  t.match(r, { week: '2025-W01', previousWeek: '2024-W52' });
  t.match(
    r.villages.find((v: { region: { code: string } }) => v.region.code === V.community),
    { rate: 0.95, rateChange: 0.05 },
  );
});

t.test('the schedule closes the week on its own, in every replica once', async (t) => {
  const day = { day: '2025-01-06' }; // Monday of 2025-W02: week 1 ends
  const replicas = await Promise.all([0, 1].map(() => appOn(tdb.db, day, { SNAPSHOT_CHECK_MS: '20' })));
  try {
    let closed: unknown[] = [];
    for (let i = 0; i < 100 && closed.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      closed = await tdb.db
        .selectFrom('reporting.snapshots')
        .select('id')
        .where('week', '=', '2025-W01')
        .where('closed', '=', true)
        .execute();
    }
    t.equal(closed.length, 1);
    await new Promise((r) => setTimeout(r, 100));
    const audits = await tdb.db
      .selectFrom('core.audit_log')
      .select('id')
      .where('action', '=', 'snapshot.closed')
      .where(sql`details->>'week'`, '=', '2025-W01')
      .execute();
    t.equal(audits.length, 1);
  } finally {
    await Promise.all(replicas.map((r) => r.close()));
  }
});
