import { createTestDatabase } from '@rmi/db';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import { sql } from 'kysely';
import t from 'tap';
import reportingApp, { SERVICE } from '../src/app.js';
import { receiveEvents } from '../src/counters/receive-events.js';
import { reportingDb } from '../src/db.js';

// Reporting alone: what its counter routes let whom do, and how a delivery treats events it cannot
// read. The counters against the real publishers, at random and concurrently, are proven in
// test/reporting-counters.test.ts (tests wiring several services live under the root test/).

const tdb = await createTestDatabase();
const db = tdb.db;
const app = await buildApp(SERVICE, reportingApp, { db, config: testConfig() });
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});

const service = await createTestKey(db, 'service');
const admin = await createTestKey(db, 'admin');
const NANJIANG = '500230209200'; // 南江村
const JIANLONG = '500230209201'; // 建龙村
const ID = '500230198001010015';

let nextId = 1;
const event = (topic: string, payload: Record<string, unknown>) => ({
  id: nextId++,
  topic,
  payload,
  createdAt: '2024-11-15T02:00:00.000Z',
});
const targetSet = (year: number, targets: Array<[string, number]>) =>
  event('target.set', {
    year,
    basis: 'loaded',
    basisDate: null,
    regionCode: '500230209',
    targets: targets.map(([regionCode, target]) => ({ regionCode, target })),
  });

/** Targets as enrollment writes them, with the event it would publish. */
async function setTargets(year: number, targets: Array<[string, number]>) {
  await sql`insert into core.targets (region_code, year, target, basis)
    select code, ${year}::integer, n, 'loaded' from unnest(${targets.map((x) => x[0])}::varchar[], ${targets.map((x) => x[1])}::integer[]) as t(code, n)
    on conflict (region_code, year) do update set target = excluded.target`.execute(db);
  return targetSet(year, targets);
}

const deliver = (events: unknown[], headers = service.headers) =>
  app.inject({ method: 'POST', url: '/v1/events', headers, payload: { source: 'enrollment', events } });

const villageCounters = () =>
  db
    .selectFrom('reporting.village_counters')
    .select(['year', 'village_code', 'target', 'registered', 'paid', 'cancelled', 'transferred', 'personal_fen'])
    .orderBy('year')
    .orderBy('village_code')
    .execute();

/** reporting.village_counters as the views define it, written here independently of the service. */
async function villageGroupBy() {
  const { rows } = await sql<Record<string, unknown>>`
    select coalesce(f.year, t.year) as year, coalesce(f.village_code, t.village_code) as village_code, t.target,
           coalesce(f.registered, 0)::int as registered, coalesce(f.paid, 0)::int as paid,
           coalesce(f.cancelled, 0)::int as cancelled, coalesce(f.transferred, 0)::int as transferred,
           coalesce(f.personal_fen, 0)::bigint as personal_fen
    from (select year, village_code,
                 count(*) filter (where stored_status = 'registered') as registered,
                 count(*) filter (where stored_status = 'paid') as paid,
                 count(*) filter (where stored_status = 'cancelled') as cancelled,
                 count(*) filter (where stored_status = 'transferred') as transferred,
                 sum(personal_fen) filter (where stored_status in ('paid', 'transferred')) as personal_fen
          from enrollment.v_enrollment_facts group by 1, 2) f
    full join enrollment.v_targets t on t.year = f.year and t.village_code = f.village_code
    order by 1, 2`.execute(db);
  return rows;
}

t.test('only admin rebuilds or checks the counters', async (t) => {
  const dashboard = await createTestKey(db, 'dashboard', { regionCode: '500230' });
  const county = await createTestKey(db, 'county-operator', { regionCode: '500230' });
  for (const [method, url] of [
    ['POST', '/v1/counters/rebuild'],
    ['GET', '/v1/counters/check'],
  ] as const) {
    const anonymous = await app.inject({ method, url });
    t.equal(anonymous.statusCode, 401, `${url}: no key`);
    t.equal(anonymous.json().code, 'UNAUTHENTICATED');
    for (const key of [dashboard, county, service]) {
      const refused = await app.inject({ method, url, headers: key.headers });
      t.equal(refused.statusCode, 403, `${url}: refused`);
      t.match(refused.headers['content-type'], /^application\/problem\+json/);
      t.equal(refused.json().code, 'FORBIDDEN_ROLE');
    }
  }
  const rebuilt = await app.inject({ method: 'POST', url: '/v1/counters/rebuild', headers: admin.headers });
  t.equal(rebuilt.statusCode, 200);
  t.match(rebuilt.json(), {
    villageRows: Number,
    groupRows: Number,
    dailyRows: Number,
    channelRows: Number,
    ms: Number,
  });
  const docs = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
  t.ok(docs.paths['/v1/counters/rebuild']?.post, 'rebuild documented');
  t.ok(docs.paths['/v1/counters/check']?.get, 'check documented');
});

t.test('an unknown topic and an unreadable payload are stored, and the rest of the batch counts', async (t) => {
  const batch = [
    event('enrolment.renamed', { idNumber: ID, year: 2025 }),
    event('target.set', { year: 'next', idNumber: ID, regionCode: NANJIANG, targets: [] }),
    await setTargets(2025, [
      [NANJIANG, 120],
      [JIANLONG, 80],
    ]),
  ];
  const res = await deliver(batch);
  t.equal(res.statusCode, 200);
  t.same(res.json(), { received: 3, duplicates: 0 });
  const stored = await db
    .selectFrom('reporting.received_events')
    .select(['id', 'topic'])
    .where(
      'id',
      'in',
      batch.map((e) => e.id),
    )
    .orderBy('id')
    .execute();
  t.same(
    stored.map((r) => r.topic),
    ['enrolment.renamed', 'target.set', 'target.set'],
    'all three kept',
  );
  t.match(await villageCounters(), [
    { year: 2025, village_code: NANJIANG, target: 120, registered: 0, paid: 0 },
    { year: 2025, village_code: JIANLONG, target: 80, registered: 0, paid: 0 },
  ]);
  t.same(await villageCounters(), await villageGroupBy(), 'equal to the GROUP BY');

  // What the delivery writes in the log about the two it left alone: what and why, no ID number.
  const lines: string[] = [];
  const log = {
    warn: (details: Record<string, unknown>, message: string) => lines.push(JSON.stringify({ details, message })),
  };
  await receiveEvents(
    reportingDb(db),
    {
      source: 'enrollment',
      events: [event('enrolment.renamed', { idNumber: ID }), event('enrolment.paid', { idNumber: ID, year: 2025 })],
    },
    log,
  );
  t.equal(lines.length, 1);
  t.match(lines[0], /unknown-topic/);
  t.match(lines[0], /invalid-payload/);
  t.notOk(lines[0]?.includes(ID), 'no ID number in clear');
});

t.test('a redelivery refreshes nothing; a new event for the same village does', async (t) => {
  const again = await setTargets(2025, [[NANJIANG, 150]]);
  // The view says 150 but the event was never delivered: the counters still say 120.
  const before = await villageCounters();
  t.match(
    before.find((r) => r.village_code === NANJIANG),
    { target: 120 },
  );
  await db.deleteFrom('reporting.received_events').where('id', '=', again.id).execute();
  t.same((await deliver([again])).json(), { received: 1, duplicates: 0 });
  t.match(
    (await villageCounters()).find((r) => r.village_code === NANJIANG),
    { target: 150 },
  );
  // Counters damaged behind the service's back stay damaged on a redelivery: it stores nothing, refreshes nothing.
  await db.updateTable('reporting.village_counters').set({ target: 1 }).where('village_code', '=', NANJIANG).execute();
  t.same((await deliver([again])).json(), { received: 0, duplicates: 1 });
  t.match(
    (await villageCounters()).find((r) => r.village_code === NANJIANG),
    { target: 1 },
  );
});

t.test('an import that names no village recounts every village of its year', async (t) => {
  await setTargets(2027, [
    [NANJIANG, 5],
    [JIANLONG, 6],
  ]);
  const older = event('import.applied', {
    importId: '7b1c6a36-5f0e-4c2b-9d51-1f1e8f0a2b3c',
    year: 2027,
    personsCreated: 0,
    enrolmentsCreated: 0,
    householdsCreated: 0,
    unchanged: 0,
    rejected: 0,
  });
  t.same((await deliver([older])).json(), { received: 1, duplicates: 0 });
  const rows = (await villageCounters()).filter((r) => r.year === 2027);
  t.same(
    rows.map((r) => [r.village_code, r.target]),
    [
      [NANJIANG, 5],
      [JIANLONG, 6],
    ],
  );

  // A county's every village at once, while a delivery for one of them arrives.
  const { rows: villages } = await sql<{ code: string }>`select code from core.regions where level = 'village'`.execute(
    db,
  );
  t.ok(villages.length > 300, `${villages.length} villages`);
  await setTargets(
    2028,
    villages.map((v, i) => [v.code, i]),
  );
  const answers = await Promise.all([
    deliver([{ ...older, id: nextId++, payload: { ...older.payload, year: 2028 } }]),
    deliver([await setTargets(2028, [[NANJIANG, 999]])]),
  ]);
  t.same(
    answers.map((a) => a.json()),
    [
      { received: 1, duplicates: 0 },
      { received: 1, duplicates: 0 },
    ],
  );
  const year2028 = (await villageCounters()).filter((r) => r.year === 2028);
  t.equal(year2028.length, villages.length, 'every village counted');
  t.match(
    year2028.find((r) => r.village_code === NANJIANG),
    { target: 999 },
  );
});

t.test('the check names what differs, and a rebuild makes every counter equal to the GROUP BY', async (t) => {
  await db
    .insertInto('reporting.group_counters')
    .values({
      year: 2025,
      village_code: JIANLONG,
      identity_code: 'extreme-poverty',
      department: 'civil-affairs',
      certified: 3,
      enrolled: 2,
      paid: 1,
    })
    .execute();
  const check = async () =>
    (await app.inject({ method: 'GET', url: '/v1/counters/check', headers: admin.headers })).json();
  const before = await check();
  t.equal(before.equal, false);
  t.match(before.differences, [
    {
      table: 'village_counters',
      key: { year: 2025, village_code: NANJIANG },
      counted: { target: 1 },
      expected: { target: 150 },
    },
    {
      table: 'group_counters',
      key: { year: 2025, village_code: JIANLONG, identity_code: 'extreme-poverty' },
      counted: { certified: 3 },
      expected: null,
    },
  ]);

  const rebuilt = await app.inject({ method: 'POST', url: '/v1/counters/rebuild', headers: admin.headers });
  t.equal(rebuilt.statusCode, 200);
  t.match(rebuilt.json(), { villageRows: (await villageGroupBy()).length, groupRows: 0, dailyRows: 0, channelRows: 0 });
  t.same(await check(), { equal: true, differences: [] });
  t.same(await villageCounters(), await villageGroupBy());
});

t.test('deliveries for the same villages at once, and a rebuild among them, end equal to the views', async (t) => {
  const villages = ['500230209001', NANJIANG, JIANLONG, '500230209203', '500230209204'];
  const batches: unknown[][] = [];
  for (let round = 0; round < 6; round++) {
    // Each batch names the villages in another order; all of them touch every village.
    const order = round % 2 ? [...villages].reverse() : villages;
    batches.push([
      await setTargets(
        2026,
        order.map((v, i) => [v, 10 * round + i]),
      ),
    ]);
  }
  const answers = await Promise.all([
    ...batches.map((b) => deliver(b)),
    app.inject({ method: 'POST', url: '/v1/counters/rebuild', headers: admin.headers }),
  ]);
  t.same(
    answers.map((a) => a.statusCode),
    answers.map(() => 200),
  );
  t.same(await villageCounters(), await villageGroupBy());
  t.same((await app.inject({ method: 'GET', url: '/v1/counters/check', headers: admin.headers })).json(), {
    equal: true,
    differences: [],
  });
});
