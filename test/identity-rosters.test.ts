import { RosterSchema } from '@rmi/contracts';
import { readWorkbook } from '@rmi/ingest/testing';
import { maskIdNumber } from '@rmi/rules';
import { createTestKey } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import {
  csvRows,
  idNumbers,
  LIZI,
  postFeed,
  setup,
  V,
  XLSX_TYPE,
} from '../services/subsidy-identity/test/identities-setup.js';
import { enrollmentAlongside } from './helpers/enrollment-alongside.js';

const { app, enrollment, db, keys } = await setup(t, {
  alongside: enrollmentAlongside,
  config: { ROSTER_SESSIONS: '1' },
});
const enrol = enrollment as FastifyInstance;
const id = idNumbers(3);
const [a1, a2, a3, a4, b1, b2, c1, c2] = [id(), id(), id(), id(), id(), id(), id(), id()];

// Civil affairs' list: in Lizi, 南江村 (a1…a4) and 建龙村 (b1, b2); in Shetan, 德盛村 (c1, and c2
// certified only from June). a4 holds two identities; a1 is also on the federation's list.
await postFeed(
  app,
  keys.civil,
  [
    [a1, '甲一', '低保对象', V.nanjiang, '2024-01-01'],
    [a2, '甲二', '低保对象', V.nanjiang, '2024-01-01'],
    [a3, '甲三', '特困人员', V.nanjiang, '2024-01-01'],
    [a4, '甲四', '低保对象', V.nanjiang, '2024-01-01'],
    [a4, '甲四', '特困人员', V.nanjiang, '2024-01-01'],
    [b1, '乙一', '低保对象', V.jianlong, '2024-01-01'],
    [b2, '乙二', '孤儿', V.jianlong, '2024-01-01'],
    [c1, '丙一', '低保对象', V.desheng, '2024-01-01'],
    [c2, '丙二', '低保对象', V.desheng, '2025-06-01'],
  ],
  { query: 'mode=snapshot&period=2024-10' },
);
await postFeed(app, keys.dpf, [[a1, '甲一', '重度残疾', V.nanjiang, '2024-01-01']], {
  department: 'disabled-persons-federation',
  query: 'mode=snapshot&period=2024-10',
});

// Enrollment, through its own routes: a1, a4, b1 paid for 2025; a2 registered; the rest unknown.
async function call(method: 'POST' | 'PUT', url: string, payload: object, key = keys.admin) {
  return enrol.inject({ method, url, headers: key.headers, payload });
}
async function register(idNumber: string, name: string, village: string) {
  const person = await call('POST', '/v1/persons', { idNumber, name, hukouRegionCode: village });
  if (person.statusCode !== 201) throw new Error(person.body);
  const enrolment = await call('POST', '/v1/enrolments', { idNumber, year: 2025 });
  if (enrolment.statusCode !== 201) throw new Error(enrolment.body);
}
const paidFen: Record<string, number> = {};
async function pay(idNumber: string) {
  const body = { idNumber, year: 2025, paidOn: '2024-11-15' };
  // The personal part is enrollment's to say: a wrong amount answers with the expected one.
  let res = await call('PUT', `/v1/enrolment-payments/pay-${idNumber}`, { ...body, amountFen: 1 }, keys.service);
  if (res.statusCode === 422) {
    const expected = res.json().expectedFen as number;
    res = await call('PUT', `/v1/enrolment-payments/pay-${idNumber}`, { ...body, amountFen: expected }, keys.service);
  }
  if (res.statusCode !== 201) throw new Error(res.body);
  paidFen[idNumber] = res.json().enrolment.paidFen;
}
for (const [n, name, village] of [
  [a1, '甲一', V.nanjiang],
  [a2, '甲二', V.nanjiang],
  [a4, '甲四', V.nanjiang],
  [b1, '乙一', V.jianlong],
] as const) {
  await register(n, name, village);
}
await pay(a1);
await pay(a4);
await pay(b1);

const get = (query: string, key = keys.civil) =>
  app.inject({ method: 'GET', url: `/v1/rosters?${query}`, headers: key.headers });
const LIZI_2025 = `regionCode=${LIZI}&year=2025&on=2025-03-01`;

t.test('a township roster for civil affairs as XLSX opens with Chinese headers and the right counts', async (t) => {
  const res = await get(`${LIZI_2025}&format=xlsx`);
  t.equal(res.statusCode, 200, 'the roster downloads');
  t.equal(res.headers['content-type'], XLSX_TYPE);
  t.match(
    res.headers['content-disposition'],
    /attachment; filename="roster-civil-affairs-500230209-2025-2025-03-01\.xlsx"/,
  );
  const { name, rows } = await readWorkbook(res.rawPayload);
  t.equal(name, '2025年参保名册');
  t.same(rows[0], [
    '乡镇',
    '乡镇代码',
    '村',
    '村代码',
    '身份证号码',
    '姓名',
    '身份类别',
    '参保状态',
    '缴费金额(元)',
    '人数',
    '未登记',
    '已登记未缴费',
    '已缴费',
    '缴费率(%)',
    '目标(%)',
    '是否达标',
  ]);
  const people = rows.slice(1).filter((r) => typeof r[4] === 'string' && r[4] !== '');
  t.same(people.map((r) => r[4]).sort(), [a1, a2, a3, a4, b1, b2].sort(), 'Lizi’s six, not Shetan’s');
  const row = (idNumber: string) => (people.find((r) => r[4] === idNumber) as unknown[]).slice(0, 9);
  t.same(row(a1), [
    '栗子乡',
    LIZI,
    '南江村村民委员会',
    V.nanjiang,
    a1,
    '甲一',
    '低保对象',
    '已缴费',
    (paidFen[a1] ?? 0) / 100,
  ]);
  t.same(row(a4).slice(4), [a4, '甲四', '特困人员、低保对象', '已缴费', (paidFen[a4] ?? 0) / 100]);
  t.same(row(a2).slice(4), [a2, '甲二', '低保对象', '已登记未缴费', null]);
  t.same(row(b2).slice(2), ['建龙村村民委员会', V.jianlong, b2, '乙二', '孤儿', '未登记', null]);

  const total = (label: string, identity: string, place?: string) =>
    rows.find((r) => r[5] === label && r[6] === identity && (place === undefined || r[3] === place || r[1] === place));
  // Everyone of the township: 6 people, 3 paid (a1, a4, b1), 1 registered (a2), 2 not (a3, b2).
  t.match(total('乡镇合计', '全部', LIZI)?.slice(9), [6, 2, 1, 3, 50]);
  t.match(total('乡镇合计', '低保对象', LIZI)?.slice(9), [4, 0, 1, 3, 75, 99, '否']);
  t.match(total('乡镇合计', '特困人员', LIZI)?.slice(9), [2, 1, 0, 1, 50, 99, '否']);
  t.match(total('村小计', '全部', V.nanjiang)?.slice(9), [4, 1, 1, 2, 50]);
  t.match(total('村小计', '全部', V.jianlong)?.slice(9), [2, 1, 0, 1, 50]);
  t.match(total('总计', '全部')?.slice(9), [6, 2, 1, 3, 50, 99, '否']);
  const amount = rows.find((r) => r[5] === '总计' && r[6] === '全部')?.[8];
  t.equal(amount, ((paidFen[a1] ?? 0) + (paidFen[a4] ?? 0) + (paidFen[b1] ?? 0)) / 100, 'the amounts paid add up');
});

t.test('JSON: grouped by township and village, totals against the 2025 goal (99%, 003#一)', async (t) => {
  const res = await get(LIZI_2025);
  t.equal(res.statusCode, 200);
  const roster = RosterSchema.parse(res.json());
  t.match(roster, { department: 'civil-affairs', regionCode: LIZI, year: 2025, on: '2025-03-01', status: 'all' });
  t.equal(roster.townships.length, 1);
  const lizi = roster.townships[0];
  t.match(lizi, { townshipCode: LIZI, townshipName: '栗子乡' });
  t.same(
    lizi?.villages.map((v) => [v.villageCode, v.persons.length]),
    [
      [V.nanjiang, 4],
      [V.jianlong, 2],
    ],
  );
  const a4Row = lizi?.villages[0]?.persons.find((p) => p.idNumber === a4);
  t.same(a4Row, {
    idNumber: a4,
    name: '甲四',
    identities: ['extreme-poverty', 'subsistence-allowance'],
    status: 'paid',
    paidFen: paidFen[a4],
  });
  t.same(
    roster.totals.map((x) => [x.identity, x.persons, x.paid, x.percentPaid, x.targetPercent]),
    [
      [null, 6, 3, 50, 99],
      ['extreme-poverty', 2, 1, 50, 99],
      ['orphan', 1, 0, 0, 99],
      ['subsistence-allowance', 4, 3, 75, 99],
    ],
  );
  t.equal(roster.totals[0]?.targetSource, '003_01f4ef08c34ea7cb.txt#一');
});

t.test('status= lists only those people; the totals still count everyone', async (t) => {
  const roster = RosterSchema.parse((await get(`${LIZI_2025}&status=unregistered`)).json());
  const people = roster.townships.flatMap((x) => x.villages.flatMap((v) => v.persons.map((p) => p.idNumber)));
  t.same(people.sort(), [a3, b2].sort());
  t.equal(roster.totals[0]?.persons, 6);
});

t.test('the day decides who is on it; the year’s policy decides the goal', async (t) => {
  const shetan = RosterSchema.parse((await get('regionCode=500230102&year=2025&on=2025-07-01')).json());
  t.same(
    shetan.townships[0]?.villages[0]?.persons.map((p) => p.idNumber).sort(),
    [c1, c2].sort(),
    'c2 certified from June',
  );
  const march = RosterSchema.parse((await get('regionCode=500230102&year=2025&on=2025-03-01')).json());
  t.same(
    march.townships[0]?.villages[0]?.persons.map((p) => p.idNumber),
    [c1],
  );

  // 2024 (000#六) lists the groups its 100% covers; orphans are not among them.
  const y2024 = RosterSchema.parse((await get(`regionCode=${LIZI}&year=2024&on=2024-10-01`)).json());
  const goals = Object.fromEntries(y2024.totals.map((x) => [x.identity ?? 'all', x.targetPercent]));
  t.same(goals, { all: null, 'extreme-poverty': 100, orphan: null, 'subsistence-allowance': 100 });
  t.equal(y2024.totals[0]?.paid, 0, 'nobody paid for 2024');
});

t.test('CSV with the same headers and totals rows', async (t) => {
  const res = await get(`${LIZI_2025}&format=csv`);
  t.match(res.headers['content-type'], /text\/csv/);
  const rows = csvRows(res.body);
  t.equal(rows[0]?.[0], '乡镇');
  t.equal(rows.filter((r) => r[4] !== '' && r[5] !== '姓名').length, 6);
  t.ok(rows.some((r) => r[5] === '总计' && r[6] === '全部' && r[9] === '6'));
});

t.test('who may read which roster', async (t) => {
  const other = await get(`department=civil-affairs&${LIZI_2025}`, keys.dpf);
  t.equal(other.statusCode, 403);
  t.equal(other.json().code, 'OUT_OF_SCOPE');
  const own = RosterSchema.parse((await get(LIZI_2025, keys.dpf)).json());
  t.same(
    own.totals.map((x) => [x.identity, x.persons]),
    [
      [null, 1],
      ['severe-disability', 1],
    ],
  );
  t.equal((await get(`regionCode=500233&year=2025`, keys.county)).json().code, 'OUT_OF_SCOPE');
  t.equal((await get(`regionCode=500230102&year=2025`, keys.lizi)).json().code, 'OUT_OF_SCOPE');
  const masked = RosterSchema.parse((await get(LIZI_2025, keys.dashboard)).json());
  const first = masked.townships[0]?.villages[0]?.persons.find((x) => x.idNumber === maskIdNumber(a1));
  t.match(first, { name: '甲*', status: 'paid' }, 'a dashboard sees people masked');
  t.equal(masked.totals[0]?.persons, 6, 'every department in Lizi: the same six people');
  const health = await createTestKey(db, 'department-feed', { department: 'health' });
  const empty = RosterSchema.parse((await get('year=2025', health)).json());
  t.same(empty.townships, [], 'a department that certifies nothing has an empty roster');
  t.match(empty.totals, [{ identity: null, persons: 0, percentPaid: null }]);

  // A township operator, no department named: every department's identities in Lizi.
  const all = RosterSchema.parse((await get('year=2025&on=2025-03-01', keys.lizi)).json());
  const a1Row = all.townships[0]?.villages[0]?.persons.find((p) => p.idNumber === a1);
  t.same(a1Row?.identities, ['subsistence-allowance', 'severe-disability']);
  t.equal(all.department, null);
  t.equal(all.regionCode, LIZI);
});

t.test('rosters asked at once queue for the roster session and each comes whole', async (t) => {
  const formats = ['json', 'csv', 'xlsx', 'json', 'csv'];
  const answers = await Promise.all(formats.map((f) => get(`${LIZI_2025}&format=${f}`)));
  t.same(
    answers.map((a) => a.statusCode),
    formats.map(() => 200),
  );
  t.same(
    answers.filter((_, i) => formats[i] === 'json').map((a) => a.json().totals[0].persons),
    [6, 6],
  );
  const csv = answers[1]?.body ?? '';
  t.ok(csv.includes('总计'), 'the CSV ran to its last row');
});
