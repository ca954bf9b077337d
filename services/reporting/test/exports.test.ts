import { checkCharacter } from '@rmi/rules';
import { createTestKey } from '@rmi/service-kit';
import ExcelJS from 'exceljs';
import t from 'tap';
import { closePreviousWeek } from '../src/weekly/snapshots.js';
import { setCounters, TOWNSHIP, V, weeklyApp } from './weekly-fixtures.js';

// Exports as a township files them: the same figures as the GraphQL reports, by hand, with
// Chinese headers, CSV read back byte by byte and XLSX read back with exceljs.

const { tdb, clock, app, deps, change } = await weeklyApp('2024-11-13');
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});
const operator = await createTestKey(tdb.db, 'township-operator', { regionCode: TOWNSHIP });
const dash = await createTestKey(tdb.db, 'dashboard', { regionCode: TOWNSHIP });

const BOM = '\uFEFF';

/** A CSV of plain cells (these exports quote nothing) as rows of cells, the BOM checked and dropped. */
function csvRows(body: string): string[][] {
  if (!body.startsWith(BOM)) throw new Error('the CSV does not start with a UTF-8 BOM');
  if (body.includes('"')) throw new Error('a quoted cell: read it with a real CSV parser');
  return body
    .slice(1)
    .split(/\r?\n/)
    .filter((line) => line !== '')
    .map((line) => line.split(','));
}

async function readSheet(payload: Buffer) {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(payload as unknown as ArrayBuffer);
  const sheet = book.worksheets[0];
  if (!sheet) throw new Error('a workbook without a sheet');
  return sheet;
}

const get = (url: string, headers = operator.headers) => app.inject({ method: 'GET', url, headers });

// Week 46 snapshot, then week 47 live: the same villages as the weekly report's test.
await setCounters(tdb.db, 2025, {
  [V.community]: { target: 100, paid: 50, registered: 20 },
  [V.nanjiang]: { target: 50, paid: 30 },
  [V.jianlong]: { target: 200, paid: 60 },
  [V.jinlongzhai]: { target: 40, paid: 20 },
  [V.lianhe]: { target: 80, paid: 8 },
});
await app.inject({ method: 'POST', url: '/v1/snapshots', headers: operator.headers, payload: {} });
clock.day = '2024-11-20';
await setCounters(tdb.db, 2025, {
  [V.community]: { target: 100, paid: 80, registered: 15, cancelled: 1 },
  [V.nanjiang]: { target: 50, paid: 40 },
  [V.jianlong]: { target: 200, paid: 120 },
  [V.jinlongzhai]: { target: 40, paid: 36 },
  [V.lianhe]: { target: 80, paid: 6, transferred: 2 },
});

const WEEKLY_HEADER = [
  '排名',
  '村（社区）代码',
  '村（社区）',
  '任务数',
  '已缴费',
  '完成率（%）',
  '上周排名',
  '较上周（百分点）',
];
const WEEK47 = [
  ['1', V.jinlongzhai, '金龙寨村村民委员会', '40', '36', '90', '2', '40'],
  ['2', V.community, '栗子社区居民委员会', '100', '80', '80', '2', '30'],
  ['2', V.nanjiang, '南江村村民委员会', '50', '40', '80', '1', '20'],
  ['4', V.jianlong, '建龙村村民委员会', '200', '120', '60', '4', '30'],
  ['5', V.lianhe, '联合村村民委员会', '80', '8', '10', '5', '0'],
  ['6', V.shuangshigun, '双石磙村村民委员会', '0', '0', '0', '6', '0'],
];

t.test('the weekly ranking as CSV: BOM, Chinese headers, the figures, a Chinese file name', async (t) => {
  const res = await get(`/v1/exports/weekly?regionCode=${TOWNSHIP}&year=2025`);
  t.equal(res.statusCode, 200, res.body);
  t.match(res.headers['content-type'], /^text\/csv; charset=utf-8/);
  t.match(res.headers['content-disposition'], `filename*=UTF-8''${encodeURIComponent('栗子乡-2024-W47-周报.csv')}`);
  const [header, ...rows] = csvRows(res.body);
  t.same(header, WEEKLY_HEADER);
  t.same(rows, WEEK47);
});

t.test('the weekly ranking of a closed week as XLSX, read back with exceljs', async (t) => {
  clock.day = '2024-11-25';
  await closePreviousWeek(deps, change, clock.day);
  await setCounters(tdb.db, 2025, { [V.lianhe]: { target: 80, paid: 80 } });
  const res = await get(`/v1/exports/weekly?regionCode=${TOWNSHIP}&year=2025&week=2024-W47&format=xlsx`, dash.headers);
  t.equal(res.statusCode, 200, res.body);
  t.match(res.headers['content-type'], /spreadsheetml/);
  t.match(res.headers['content-disposition'], encodeURIComponent('栗子乡-2024-W47-周报.xlsx'));
  const sheet = await readSheet(res.rawPayload);
  t.equal(sheet.name, '周报排名');
  const values: unknown[][] = [];
  sheet.eachRow((row) => values.push((row.values as unknown[]).slice(1)));
  t.same(values[0], WEEKLY_HEADER);
  t.same(values[1], [1, V.jinlongzhai, '金龙寨村村民委员会', 40, 36, 90, 2, 40], 'codes as text, figures as numbers');
  t.same(values[5], [5, V.lianhe, '联合村村民委员会', 80, 8, 10, 5, 0], 'the week as it closed');
  t.equal(values.length, 7);
});

t.test('progress of a township: each village, then the total', async (t) => {
  const res = await get(`/v1/exports/progress?regionCode=${TOWNSHIP}&year=2025`);
  t.equal(res.statusCode, 200, res.body);
  t.match(res.headers['content-disposition'], encodeURIComponent('栗子乡-2025-参保进度.csv'));
  const [header, ...rows] = csvRows(res.body);
  t.same(header, [
    '村（社区）代码',
    '村（社区）',
    '任务数',
    '已参保',
    '未缴费',
    '已缴费',
    '完成率（%）',
    '未完成数',
    '已注销',
    '已转职工医保',
  ]);
  t.same(rows[0], [V.community, '栗子社区居民委员会', '100', '95', '15', '80', '80', '20', '1', '0']);
  t.same(rows[4], [V.lianhe, '联合村村民委员会', '80', '80', '0', '80', '100', '0', '0', '0']);
  // 470 to do; 80 + 40 + 120 + 36 + 80 = 356 paid; 15 registered unpaid.
  t.same(rows.at(-1), [TOWNSHIP, '合计（栗子乡）', '470', '371', '15', '356', '75.74', '114', '1', '0']);
  const snapshot = await get(`/v1/exports/progress?regionCode=${TOWNSHIP}&year=2025&week=2024-W46`);
  t.equal(snapshot.statusCode, 200, snapshot.body);
  t.same(csvRows(snapshot.body).at(-1), [
    TOWNSHIP,
    '合计（栗子乡）',
    '470',
    '188',
    '20',
    '168',
    '35.74',
    '302',
    '0',
    '0',
  ]);
});

t.test('special groups by department and identity against the goal', async (t) => {
  await tdb.db
    .insertInto('reporting.group_counters')
    .values([
      {
        year: 2025,
        village_code: V.community,
        identity_code: 'subsistence-allowance',
        department: 'civil-affairs',
        certified: 10,
        enrolled: 10,
        paid: 10,
      },
      {
        year: 2025,
        village_code: V.nanjiang,
        identity_code: 'subsistence-allowance',
        department: 'civil-affairs',
        certified: 90,
        enrolled: 89,
        paid: 88,
      },
      {
        year: 2025,
        village_code: V.nanjiang,
        identity_code: 'severe-disability',
        department: 'disabled-persons-federation',
        certified: 4,
        enrolled: 4,
        paid: 4,
      },
    ])
    .execute();
  const res = await get(`/v1/exports/special-groups?regionCode=${TOWNSHIP}&year=2025`);
  t.equal(res.statusCode, 200, res.body);
  const [header, ...rows] = csvRows(res.body);
  t.same(header, [
    '部门',
    '身份类别',
    '身份代码',
    '认定人数',
    '已参保',
    '已缴费',
    '缴费率（%）',
    '目标（%）',
    '是否达标',
  ]);
  t.same(rows, [
    ['民政', '低保对象', 'subsistence-allowance', '100', '99', '98', '98', '99', '否'],
    ['残联', '重度残疾', 'severe-disability', '4', '4', '4', '100', '99', '是'],
  ]);
});

t.test('the assessment on a day', async (t) => {
  await tdb.db
    .insertInto('reporting.daily_counters')
    .values([
      {
        year: 2025,
        village_code: V.community,
        day: '2024-10-08',
        paid: 80,
        personal_fen: 0,
        assistance_fen: 0,
        fiscal_fen: 0,
      },
      {
        year: 2025,
        village_code: V.nanjiang,
        day: '2024-10-08',
        paid: 40,
        personal_fen: 0,
        assistance_fen: 0,
        fiscal_fen: 0,
      },
      {
        year: 2025,
        village_code: V.nanjiang,
        day: '2024-12-02',
        paid: 10,
        personal_fen: 0,
        assistance_fen: 0,
        fiscal_fen: 0,
      },
    ])
    .execute();
  const res = await get(`/v1/exports/assessment?regionCode=${TOWNSHIP}&year=2025&on=2024-12-20`);
  t.equal(res.statusCode, 200, res.body);
  t.match(res.headers['content-disposition'], encodeURIComponent('栗子乡-2025-考核-2024-12-20.csv'));
  const [header, ...rows] = csvRows(res.body);
  t.same(header, [
    '村（社区）代码',
    '村（社区）',
    '任务数',
    '已缴费',
    '完成率（%）',
    '完成比例（取整%）',
    '完成日期',
    '档次',
    '扣分',
    '依据',
  ]);
  t.same(rows.slice(0, 2), [
    [V.community, '栗子社区居民委员会', '100', '80', '80', '80', '', '<95%', '1', '003_01f4ef08c34ea7cb.txt#八(四)'],
    [
      V.nanjiang,
      '南江村村民委员会',
      '50',
      '50',
      '100',
      '100',
      '2024-12-02',
      '按时完成',
      '0',
      '003_01f4ef08c34ea7cb.txt#八(四)',
    ],
  ]);
});

t.test('the unpaid list, paged through to the end, whole for an operator and masked for a dashboard', async (t) => {
  const ids = Array.from({ length: 205 }, (_, i) => {
    const first17 = `50023019900101${String(i).padStart(3, '0')}`;
    return first17 + checkCharacter(first17);
  });
  await tdb.db
    .insertInto('enrollment.persons')
    .values(
      ids.map((id) => ({
        id_number: id,
        name: '张三丰',
        sex: 'male' as const,
        birth_date: '1990-01-01',
        hukou_region_code: V.jianlong,
        category: 'resident' as const,
      })),
    )
    .execute();
  await tdb.db
    .insertInto('enrollment.enrolments')
    .values(ids.map((id) => ({ id_number: id, year: 2025, region_code: V.jianlong })))
    .execute();
  const whole = await get(`/v1/exports/unpaid?regionCode=${TOWNSHIP}&year=2025`);
  t.equal(whole.statusCode, 200, whole.body);
  t.match(whole.headers['content-disposition'], encodeURIComponent('栗子乡-2025-未缴费名单.csv'));
  const [header, ...rows] = csvRows(whole.body);
  t.same(header, ['身份证号', '姓名', '村（社区）代码', '村（社区）', '人员类别']);
  t.equal(rows.length, 205, 'past the first page');
  t.same(rows[0], [ids[0], '张三丰', V.jianlong, '建龙村村民委员会', '城乡居民']);
  t.same(rows.at(-1)?.[0], ids[204]);

  const masked = await get(`/v1/exports/unpaid?regionCode=${TOWNSHIP}&year=2025&format=xlsx`, dash.headers);
  t.equal(masked.statusCode, 200, masked.body);
  const sheet = await readSheet(masked.rawPayload);
  t.equal(sheet.rowCount, 206);
  const first = (sheet.getRow(2).values as unknown[]).slice(1);
  t.not(first[0], ids[0]);
  t.notMatch(String(first[0]), ids[0]?.slice(6, 14) ?? '', 'the birth date is not shown');
  t.not(first[1], '张三丰');
});

t.test('a bad query is VALIDATION_FAILED naming every field', async (t) => {
  const res = await get('/v1/exports/weekly?regionCode=50023x&year=twenty&format=pdf');
  t.equal(res.statusCode, 400);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  const body = res.json();
  t.equal(body.code, 'VALIDATION_FAILED');
  t.same(body.errors.map((e: { path: string }) => e.path).sort(), [
    'querystring.format',
    'querystring.regionCode',
    'querystring.year',
  ]);
  const county = await get('/v1/exports/weekly?regionCode=500230&year=2025&on=2024-12-01');
  t.same(
    county.json().errors.map((e: { path: string }) => e.path),
    ['querystring.regionCode', 'querystring.on'],
  );
  const week = await get(`/v1/exports/weekly?regionCode=${TOWNSHIP}&year=2025&week=2024-W60`);
  t.equal(week.statusCode, 400);
  t.same(
    week.json().errors.map((e: { path: string }) => e.path),
    ['querystring.week'],
  );
  const noSnapshot = await get(`/v1/exports/weekly?regionCode=${TOWNSHIP}&year=2025&week=2024-W30`);
  t.same(
    noSnapshot.json().errors.map((e: { path: string }) => e.path),
    ['querystring.week'],
  );
  const year = await get(`/v1/exports/progress?regionCode=${TOWNSHIP}&year=2019`);
  t.equal(year.json().code, 'VALIDATION_FAILED');
  const report = await get(`/v1/exports/ledger?regionCode=${TOWNSHIP}&year=2025`);
  t.equal(report.statusCode, 400);
  t.equal(report.json().code, 'VALIDATION_FAILED');
});

t.test('another region is OUT_OF_SCOPE; other roles are refused', async (t) => {
  for (const report of ['progress', 'special-groups', 'weekly', 'assessment', 'unpaid']) {
    const res = await get(`/v1/exports/${report}?regionCode=500230208&year=2025`);
    t.equal(res.statusCode, 403, report);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.equal(res.json().code, 'OUT_OF_SCOPE', report);
  }
  const collector = await createTestKey(tdb.db, 'collector', { regionCode: V.jianlong });
  const res = await get(`/v1/exports/progress?regionCode=${V.jianlong}&year=2025`, collector.headers);
  t.equal(res.statusCode, 403);
  t.equal(res.json().code, 'FORBIDDEN_ROLE');
});
