import type { EnrolmentsTable, PersonsTable } from '@rmi/db';
import { checkCharacter } from '@rmi/rules';
import { createTestKey } from '@rmi/service-kit';
import type { Insertable } from 'kysely';
import t from 'tap';
import { setup } from './helpers.js';

const { app, db } = await setup(t);
// 栗子乡 (Lizi township) of Fengdu and three of its six villages; 社坛镇 (Shetan) is a sibling.
const FENGDU = '500230';
const LIZI = '500230209';
const LIZI_VILLAGES = ['500230209001', '500230209200', '500230209201', '500230209203', '500230209204', '500230209206'];
const [SHEQU, NANJIANG, JIANLONG] = LIZI_VILLAGES as [string, string, string];
const SHETAN = '500230102';
const SHETAN_VILLAGE = '500230102200';

const county = await createTestKey(db, 'county-operator', { regionCode: FENGDU });
const lizi = await createTestKey(db, 'township-operator', { regionCode: LIZI });
const shetan = await createTestKey(db, 'township-operator', { regionCode: SHETAN });
const collector = await createTestKey(db, 'collector', { regionCode: NANJIANG });
const dashboard = await createTestKey(db, 'dashboard', { regionCode: LIZI });

const PROBLEM = /^application\/problem\+json/;

const stored = (year: number) =>
  db
    .selectFrom('core.targets')
    .select(['region_code', 'target', 'basis', 'basis_date', 'source', 'set_by'])
    .where('year', '=', year)
    .orderBy('region_code')
    .execute();
const count = async (table: 'core.audit_log' | 'enrollment.outbox') =>
  Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

const csv = (year: number, body: string | Buffer, headers = lizi.headers) =>
  app.inject({
    method: 'POST',
    url: `/v1/targets/import?year=${year}`,
    headers: { ...headers, 'content-type': 'text/csv' },
    payload: body,
  });

t.test('a batch is upserted in one go, then re-upserted', async (t) => {
  const first = await app.inject({
    method: 'PUT',
    url: '/v1/targets',
    headers: lizi.headers,
    payload: {
      year: 2026,
      targets: [
        { regionCode: SHEQU, target: 1200, source: '栗子府发〔2025〕任务分解表' },
        { regionCode: NANJIANG, target: 800 },
      ],
    },
  });
  t.equal(first.statusCode, 200);
  t.match(first.json(), { year: 2026, inserted: 2, updated: 0, total: 2000 });
  t.match(first.json().targets, [
    {
      regionCode: SHEQU,
      regionName: '栗子社区居民委员会',
      target: 1200,
      basis: 'loaded',
      basisDate: null,
      setBy: lizi.id,
    },
    { regionCode: NANJIANG, regionName: '南江村村民委员会', target: 800, source: null },
  ]);

  const again = await app.inject({
    method: 'PUT',
    url: '/v1/targets',
    headers: lizi.headers,
    payload: {
      year: 2026,
      targets: [
        { regionCode: NANJIANG, target: 850 },
        { regionCode: JIANLONG, target: 300 },
      ],
    },
  });
  t.equal(again.statusCode, 200);
  t.match(again.json(), { inserted: 1, updated: 1, total: 1150 });
  t.same(
    (await stored(2026)).map((r) => [r.region_code, r.target, r.basis, r.source]),
    [
      [SHEQU, 1200, 'loaded', '栗子府发〔2025〕任务分解表'],
      [NANJIANG, 850, 'loaded', null],
      [JIANLONG, 300, 'loaded', null],
    ],
  );

  const audit = await db
    .selectFrom('core.audit_log')
    .selectAll()
    .where('action', '=', 'targets.set')
    .orderBy('id')
    .execute();
  t.equal(audit.length, 2);
  t.match(audit[1], { region_code: LIZI, actor_key_id: lizi.id, entity: 'target' });
  const events = await db.selectFrom('enrollment.outbox').selectAll().where('topic', '=', 'target.set').execute();
  t.equal(events.length, 2);
  t.same(events[1]?.payload, {
    year: 2026,
    basis: 'loaded',
    basisDate: null,
    regionCode: LIZI,
    targets: [
      { regionCode: NANJIANG, target: 850 },
      { regionCode: JIANLONG, target: 300 },
    ],
  });
});

t.test('one bad row rejects the whole batch, every bad row listed', async (t) => {
  const before = await stored(2026);
  const audits = await count('core.audit_log');
  const events = await count('enrollment.outbox');
  const res = await app.inject({
    method: 'PUT',
    url: '/v1/targets',
    headers: lizi.headers,
    payload: {
      year: 2026,
      targets: [
        { regionCode: SHEQU, target: 999 },
        { regionCode: LIZI, target: 10 },
        { regionCode: '500230209999', target: 10 },
        { regionCode: SHETAN_VILLAGE, target: 10 },
        { regionCode: NANJIANG, target: -5 },
        { regionCode: SHEQU, target: 1 },
      ],
    },
  });
  t.equal(res.statusCode, 422);
  t.match(res.headers['content-type'], PROBLEM);
  t.equal(res.json().code, 'TARGETS_INVALID');
  const errors: { path: string; message: string }[] = res.json().errors;
  t.same(
    errors.map((e) => e.path),
    [
      'body.targets.1.regionCode',
      'body.targets.2.regionCode',
      'body.targets.3.regionCode',
      'body.targets.4.target',
      'body.targets.5.regionCode',
    ],
  );
  t.match(errors[0]?.message, /township, not a village/);
  t.match(errors[1]?.message, /no village 500230209999/);
  t.match(errors[2]?.message, /outside the region/);
  t.match(errors[3]?.message, /0 or more/);
  t.match(errors[4]?.message, /already appears at body\.targets\.0/);
  t.same(await stored(2026), before, 'nothing written');
  t.equal(await count('core.audit_log'), audits);
  t.equal(await count('enrollment.outbox'), events);
});

t.test('a UTF-8 CSV with Chinese headers is imported', async (t) => {
  const file = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('村（社区）代码,村名,任务数\r\n500230209203,金龙寨村,450\r\n500230209204,联合村,"1,020"\r\n'),
  ]);
  const res = await csv(2027, file);
  t.equal(res.statusCode, 200);
  t.match(res.json(), { year: 2027, encoding: 'utf-8', inserted: 2, total: 1470 });
  t.same(
    (await stored(2027)).map((r) => [r.region_code, r.target, r.basis]),
    [
      ['500230209203', 450, 'loaded'],
      ['500230209204', 1020, 'loaded'],
    ],
  );
  t.ok(await db.selectFrom('core.audit_log').select('id').where('action', '=', 'targets.import').executeTakeFirst());
});

t.test('a GB18030 CSV (Excel on a Chinese Windows) is imported', async (t) => {
  // 村代码,任务数,来源 and 附件1 as GBK bytes, written out rather than produced by the decoder.
  const file = Buffer.concat([
    Buffer.from('b4e5b4fac2eb2cc8cecef1cafd2cc0b4d4b40a', 'hex'),
    Buffer.from(`${SHEQU},1180,`),
    Buffer.from('b8bdbcfe310a', 'hex'),
    Buffer.from(`${JIANLONG},310,\n`),
  ]);
  const res = await csv(2028, file, county.headers);
  t.equal(res.statusCode, 200);
  t.match(res.json(), { encoding: 'gb18030', inserted: 2, total: 1490 });
  t.same(
    (await stored(2028)).map((r) => [r.region_code, r.target, r.source, r.set_by]),
    [
      [SHEQU, 1180, '附件1', county.id],
      [JIANLONG, 310, null, county.id],
    ],
  );
});

t.test('bad lines of a CSV are reported by line number and nothing is imported', async (t) => {
  const file = [
    'code,target',
    `${SHEQU},100`,
    `${NANJIANG},lots`,
    '',
    '500230209999,50',
    `5.00230E+11,5`,
    `${SHETAN_VILLAGE},7`,
  ].join('\n');
  const res = await csv(2029, file);
  t.equal(res.statusCode, 422);
  t.match(res.headers['content-type'], PROBLEM);
  t.equal(res.json().code, 'IMPORT_ROWS_INVALID');
  t.match(res.json().errors, [
    { line: 3, column: 'target', message: /"lots" is not a whole number/ },
    { line: 5, column: 'regionCode', message: /no village 500230209999/ },
    { line: 6, column: 'regionCode', message: /format the column as text/ },
    { line: 7, column: 'regionCode', message: /outside the region/ },
  ]);
  t.equal(res.json().errors.length, 4);
  t.same(await stored(2029), []);

  const noTarget = await csv(2029, `村代码,人数\n${SHEQU},100\n`);
  t.equal(noTarget.statusCode, 422);
  t.match(noTarget.json().errors, [{ line: 1, column: 'target', message: /任务数/ }]);

  const json = await app.inject({
    method: 'POST',
    url: '/v1/targets/import?year=2029',
    headers: lizi.headers,
    payload: { regionCode: SHEQU, target: 1 },
  });
  t.equal(json.statusCode, 400);
  t.match(json.json().errors, [{ path: 'body', message: /Content-Type: text\/csv/ }]);
});

const idNumber = (n: number) => {
  const first17 = `50023019800101${String(n).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
};

t.test('compute from the hukou population on a date (002#一)', async (t) => {
  const person = (n: number, village: string, extra: Partial<Insertable<PersonsTable>> = {}) => ({
    id_number: idNumber(n),
    name: `居民${n}`,
    sex: 'male' as const,
    birth_date: '1980-01-01',
    hukou_region_code: village,
    category: 'resident' as const,
    created_at: '2022-01-01T09:00:00+08:00',
    ...extra,
  });
  await db
    .insertInto('enrollment.persons')
    .values([
      person(1, SHEQU),
      person(2, SHEQU, { created_at: '2022-10-30T23:59:59+08:00' }),
      // Registered the next morning in Shanghai, though still 30 October in UTC.
      person(3, SHEQU, { created_at: '2022-10-31T00:00:00+08:00' }),
      person(4, SHEQU, { died_on: '2022-10-29' }),
      person(5, SHEQU, { died_on: '2022-10-30' }),
      person(6, SHEQU, { category: 'residence-permit' }),
      person(7, NANJIANG),
      person(8, SHETAN_VILLAGE),
    ])
    .execute();
  // A target loaded earlier is replaced by the computed one.
  const loaded = await app.inject({
    method: 'PUT',
    url: '/v1/targets',
    headers: lizi.headers,
    payload: { year: 2023, targets: [{ regionCode: SHEQU, target: 5 }] },
  });
  t.equal(loaded.statusCode, 200);

  const res = await app.inject({
    method: 'POST',
    url: '/v1/targets/compute',
    headers: lizi.headers,
    payload: {
      year: 2023,
      regionCode: LIZI,
      basis: 'hukou-population',
      date: '2022-10-30',
      source: '002_760418c3a3365474.txt#一',
    },
  });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { year: 2023, inserted: 5, updated: 1, total: 4 });
  t.same(
    res.json().targets.map((r: { regionCode: string; target: number }) => [r.regionCode, r.target]),
    LIZI_VILLAGES.map((v) => [v, v === SHEQU ? 3 : v === NANJIANG ? 1 : 0]),
  );
  const rows = await stored(2023);
  t.equal(rows.length, 6, 'only villages under 栗子乡');
  t.match(rows[0], {
    region_code: SHEQU,
    target: 3,
    basis: 'hukou-population',
    basis_date: '2022-10-30',
    source: '002_760418c3a3365474.txt#一',
    set_by: lizi.id,
  });
  const event = await db
    .selectFrom('enrollment.outbox')
    .select('payload')
    .where('topic', '=', 'target.set')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  t.match(event.payload, { year: 2023, basis: 'hukou-population', basisDate: '2022-10-30', regionCode: LIZI });
});

t.test('compute from the enrolled count on a date (003#一)', async (t) => {
  const persons = Array.from({ length: 10 }, (_, i) => ({
    id_number: idNumber(100 + i),
    name: `参保人${i}`,
    sex: 'female' as const,
    birth_date: '1980-01-01',
    hukou_region_code: JIANLONG,
    category: 'resident' as const,
  }));
  await db.insertInto('enrollment.persons').values(persons).execute();
  const paid = (n: number, village: string, paidOn: string, extra: Partial<Insertable<EnrolmentsTable>> = {}) => ({
    id_number: idNumber(100 + n),
    year: 2024,
    region_code: village,
    status: 'paid' as const,
    paid_on: paidOn,
    benefit_start: '2024-01-01',
    benefit_end: '2024-12-31',
    personal_fen: 38_000,
    paid_fen: 38_000,
    policy_id: 'cq-2024',
    ...extra,
  });
  await db
    .insertInto('enrollment.enrolments')
    .values([
      paid(0, NANJIANG, '2023-11-15'),
      paid(1, NANJIANG, '2024-09-30'),
      paid(2, NANJIANG, '2024-10-01'),
      paid(3, NANJIANG, '2024-02-01', { status: 'cancelled', cancel_reason: 'death', cancelled_on: '2024-10-15' }),
      paid(4, NANJIANG, '2024-02-01', { status: 'cancelled', cancel_reason: 'moved', cancelled_on: '2024-06-01' }),
      paid(5, NANJIANG, '2024-03-01', { status: 'transferred' }),
      {
        id_number: idNumber(106),
        year: 2024,
        region_code: NANJIANG,
        status: 'registered' as const,
      },
      // Paid for 2025 in the 2025 concentrated period, which opened 2024-09-14 (003#三).
      paid(7, NANJIANG, '2024-09-20', { year: 2025, benefit_start: '2025-01-01', benefit_end: '2025-12-31' }),
      paid(8, SHEQU, '2023-12-01'),
      paid(9, SHETAN_VILLAGE, '2023-12-01'),
    ])
    .execute();

  const res = await app.inject({
    method: 'POST',
    url: '/v1/targets/compute',
    headers: county.headers,
    payload: { year: 2025, regionCode: LIZI, basis: 'enrolled-on-date', date: '2024-09-30' },
  });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { year: 2025, inserted: 6, updated: 0, total: 5 });
  t.same(
    res.json().targets.map((r: { regionCode: string; target: number }) => [r.regionCode, r.target]),
    LIZI_VILLAGES.map((v) => [v, v === NANJIANG ? 4 : v === SHEQU ? 1 : 0]),
  );
  t.match(res.json().targets[1], { basis: 'enrolled-on-date', basisDate: '2024-09-30', source: null });

  const village = await app.inject({
    method: 'POST',
    url: '/v1/targets/compute',
    headers: county.headers,
    payload: { year: 2025, regionCode: NANJIANG, basis: 'enrolled-on-date', date: '2024-01-31' },
  });
  t.equal(village.statusCode, 200);
  t.match(village.json(), { inserted: 0, updated: 1, total: 1 });
  t.equal(village.json().targets.length, 1);
  t.equal((await stored(2025)).find((r) => r.region_code === NANJIANG)?.target, 1);
});

t.test('targets are read per region with names and a total', async (t) => {
  const own = await app.inject({ method: 'GET', url: '/v1/targets?year=2026', headers: lizi.headers });
  t.equal(own.statusCode, 200);
  t.match(own.json(), { year: 2026, regionCode: LIZI, regionName: '栗子乡', total: 2350 });
  t.same(
    own
      .json()
      .targets.map((r: { regionCode: string; regionName: string; target: number }) => [
        r.regionCode,
        r.regionName,
        r.target,
      ]),
    [
      [SHEQU, '栗子社区居民委员会', 1200],
      [NANJIANG, '南江村村民委员会', 850],
      [JIANLONG, '建龙村村民委员会', 300],
    ],
  );
  const board = await app.inject({
    method: 'GET',
    url: `/v1/targets?year=2026&regionCode=${LIZI}`,
    headers: dashboard.headers,
  });
  t.equal(board.statusCode, 200);
  t.equal(board.json().total, 2350);
  const mine = await app.inject({ method: 'GET', url: '/v1/targets?year=2026', headers: collector.headers });
  t.equal(mine.statusCode, 200);
  t.match(mine.json(), { regionCode: NANJIANG, total: 850, targets: [{ regionCode: NANJIANG }] });
  t.equal(mine.json().targets.length, 1);
  const empty = await app.inject({ method: 'GET', url: `/v1/targets?year=2030`, headers: county.headers });
  t.match(empty.json(), { regionCode: FENGDU, total: 0, targets: [] });
  const unknown = await app.inject({
    method: 'GET',
    url: '/v1/targets?year=2026&regionCode=500230209999',
    headers: county.headers,
  });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'REGION_NOT_FOUND');
});

t.test('an out-of-scope township operator gets 403 OUT_OF_SCOPE', async (t) => {
  const compute = await app.inject({
    method: 'POST',
    url: '/v1/targets/compute',
    headers: shetan.headers,
    payload: { year: 2023, regionCode: LIZI, basis: 'hukou-population', date: '2022-10-30' },
  });
  t.equal(compute.statusCode, 403);
  t.match(compute.headers['content-type'], PROBLEM);
  t.equal(compute.json().code, 'OUT_OF_SCOPE');
  t.equal((await stored(2023)).find((r) => r.region_code === SHEQU)?.target, 3, 'Lizi targets untouched');
  const read = await app.inject({
    method: 'GET',
    url: `/v1/targets?year=2026&regionCode=${LIZI}`,
    headers: shetan.headers,
  });
  t.equal(read.statusCode, 403);
  t.equal(read.json().code, 'OUT_OF_SCOPE');
  t.notMatch(read.body, '栗子社区');
  const upward = await app.inject({
    method: 'GET',
    url: `/v1/targets?year=2026&regionCode=${LIZI}`,
    headers: collector.headers,
  });
  t.equal(upward.statusCode, 403);
  t.equal(upward.json().code, 'OUT_OF_SCOPE');
});

t.test('collectors and dashboards may not write targets', async (t) => {
  for (const key of [collector, dashboard]) {
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/targets',
      headers: key.headers,
      payload: { year: 2026, targets: [{ regionCode: NANJIANG, target: 1 }] },
    });
    t.equal(put.statusCode, 403);
    t.equal(put.json().code, 'FORBIDDEN_ROLE');
    const file = await csv(2026, `code,target\n${NANJIANG},1\n`, key.headers);
    t.equal(file.statusCode, 403);
    t.equal(file.json().code, 'FORBIDDEN_ROLE');
    const compute = await app.inject({
      method: 'POST',
      url: '/v1/targets/compute',
      headers: key.headers,
      payload: { year: 2026, regionCode: NANJIANG, basis: 'hukou-population', date: '2025-10-30' },
    });
    t.equal(compute.statusCode, 403);
    t.equal(compute.json().code, 'FORBIDDEN_ROLE');
  }
  t.equal((await stored(2026)).find((r) => r.region_code === NANJIANG)?.target, 850);
  const anonymous = await app.inject({ method: 'GET', url: '/v1/targets?year=2026' });
  t.equal(anonymous.statusCode, 401);
});

t.test('malformed requests are 400 with every bad field', async (t) => {
  const compute = await app.inject({
    method: 'POST',
    url: '/v1/targets/compute',
    headers: county.headers,
    payload: { year: 2025, regionCode: '5002', basis: 'loaded', date: '2024-02-30' },
  });
  t.equal(compute.statusCode, 400);
  t.same(
    compute
      .json()
      .errors.map((e: { path: string }) => e.path)
      .sort(),
    ['body.basis', 'body.date', 'body.regionCode'],
  );
  const empty = await app.inject({
    method: 'PUT',
    url: '/v1/targets',
    headers: county.headers,
    payload: { year: 2026, targets: [] },
  });
  t.equal(empty.statusCode, 400);
  const noYear = await csv(Number.NaN, `code,target\n${SHEQU},1\n`);
  t.equal(noYear.statusCode, 400);
  t.equal(noYear.json().errors[0].path, 'querystring.year');
});

t.test('the target routes are in the OpenAPI document', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const paths = res.json().paths;
  t.ok(paths['/v1/targets']?.put && paths['/v1/targets']?.get);
  t.ok(paths['/v1/targets/import']?.post);
  t.ok(paths['/v1/targets/compute']?.post);
});
