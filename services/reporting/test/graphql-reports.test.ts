import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@rmi/db';
import { checkCharacter } from '@rmi/rules';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import type { KyselyPlugin } from 'kysely';
import t from 'tap';
import reportingApp, { SERVICE } from '../src/app.js';
import { ReportingConfigSchema } from '../src/config.js';
import { rebuildCounters } from '../src/counters/rebuild-counters.js';
import { reportingDb } from '../src/db.js';

// contracts/reporting.md, the reads: a small county (two townships, four villages with figures,
// 27 persons) seeded into the tables the other services own, the counters rebuilt from their
// views, and every figure below worked out by hand from the seed.

const tdb = await createTestDatabase();

// Every statement the app sends: the tree is read one statement per level, however wide.
let statements = 0;
const counter: KyselyPlugin = {
  transformQuery: (args) => {
    statements += 1;
    return args.node;
  },
  transformResult: async (args) => args.result,
};
// Keys are trusted from memory once looked up, so only the reports' statements are counted.
// Policies too; and no snapshot scheduler reading behind the test's back.
const config = testConfig(
  { AUTH_CACHE_MS: '300000', POLICY_CACHE_MS: '300000', SNAPSHOT_CHECK_MS: '0' },
  ReportingConfigSchema,
);
const app = await buildApp(SERVICE, reportingApp, { db: tdb.db.withPlugin(counter), config });
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});

const COUNTY = '500230';
const LIZI = '500230209'; // 栗子乡
const SHETAN = '500230102'; // 社坛镇
const A = '500230209001'; // 栗子社区居民委员会, target 10
const B = '500230209200'; // 南江村村民委员会, target 5
const D = '500230209201'; // 建龙村村民委员会, target 4, nobody registered
const C = '500230102200'; // 德盛村村民委员会, target 8

const idOf = (seq: number) => {
  const first17 = `50023019800101${seq}`;
  return first17 + checkCharacter(first17);
};
const NAMES = ['王小明', '李建国', '张秀英', '刘德华', '陈静', '杨帆', '赵丽', '黄海', '周强', '吴敏', '徐磊'];

// Village A: a1–a4 paid themselves, a5–a6 paid by assistance (代缴), a7 paid then moved to employee
// insurance, a8–a10 registered (a8's payment was reversed), a11 cancelled.
// Village B: b1–b3 paid, b4 by assistance, b5–b6 registered. Village C: c1–c3 paid, c4–c7
// registered, c8 cancelled. x1, x2: certified by a department, never registered.
const a = (i: number) => idOf(100 + i);
const b = (i: number) => idOf(120 + i);
const c = (i: number) => idOf(130 + i);
const x = (i: number) => idOf(140 + i);

type Paid = { paid_on: string; personal_fen: number; assistance_fen: number };
const SELF = (paid_on: string): Paid => ({ paid_on, personal_fen: 40000, assistance_fen: 0 });
const ASSISTED = (paid_on: string): Paid => ({ paid_on, personal_fen: 0, assistance_fen: 40000 });

async function seed() {
  const people: Array<[string, string]> = [
    ...Array.from({ length: 11 }, (_, i) => [a(i + 1), A] as [string, string]),
    ...Array.from({ length: 6 }, (_, i) => [b(i + 1), B] as [string, string]),
    ...Array.from({ length: 8 }, (_, i) => [c(i + 1), C] as [string, string]),
  ];
  await tdb.db
    .insertInto('enrollment.persons')
    .values(
      people.map(([id, village], i) => ({
        id_number: id,
        name: NAMES[i % NAMES.length] as string,
        sex: 'male' as const,
        birth_date: '1980-01-01',
        hukou_region_code: village,
        category: 'resident' as const,
      })),
    )
    .execute();

  const paid = (id: string, village: string, p: Paid, status: 'paid' | 'transferred' = 'paid', year = 2025) => ({
    id_number: id,
    year,
    region_code: village,
    status,
    ...p,
    fiscal_subsidy_fen: 68000,
    benefit_start: `${year}-01-01`,
    benefit_end: `${year}-12-31`,
    policy_id: `cq-${year}`,
  });
  const registered = (id: string, village: string) => ({ id_number: id, year: 2025, region_code: village });
  const cancelled = (id: string, village: string, reason: 'moved' | 'duplicate') => ({
    id_number: id,
    year: 2025,
    region_code: village,
    status: 'cancelled' as const,
    cancel_reason: reason,
    cancelled_on: '2024-11-01',
  });
  await tdb.db
    .insertInto('enrollment.enrolments')
    .values([
      paid(a(1), A, SELF('2024-10-15')),
      paid(a(2), A, SELF('2024-10-15')),
      paid(a(3), A, SELF('2024-11-20')),
      paid(a(4), A, SELF('2024-11-20')),
      paid(a(5), A, ASSISTED('2024-12-10')),
      paid(a(6), A, ASSISTED('2024-12-10')),
      { ...paid(a(7), A, SELF('2024-10-15'), 'transferred'), employee_cover_from: '2025-03-01' },
      registered(a(8), A),
      registered(a(9), A),
      registered(a(10), A),
      cancelled(a(11), A, 'moved'),
      paid(b(1), B, SELF('2024-11-20')),
      paid(b(2), B, SELF('2024-11-20')),
      paid(b(3), B, SELF('2025-01-05')),
      paid(b(4), B, ASSISTED('2024-11-20')),
      registered(b(5), B),
      registered(b(6), B),
      paid(c(1), C, SELF('2024-12-10')),
      paid(c(2), C, SELF('2024-12-10')),
      paid(c(3), C, SELF('2024-12-10')),
      ...[4, 5, 6, 7].map((i) => registered(c(i), C)),
      cancelled(c(8), C, 'duplicate'),
      // The year before: a9 alone, paid.
      paid(a(9), A, SELF('2023-11-10'), 'paid', 2024),
    ])
    .execute();
  await tdb.db
    .insertInto('core.targets')
    .values([
      { region_code: A, year: 2025, target: 10, basis: 'loaded' },
      { region_code: B, year: 2025, target: 5, basis: 'loaded' },
      { region_code: D, year: 2025, target: 4, basis: 'loaded' },
      { region_code: C, year: 2025, target: 8, basis: 'loaded' },
    ])
    .execute();

  // Certified persons (special groups), as subsidy-identity keeps their spells.
  const spell = (id: string, identity: string, department: string, village: string, from: string, to?: string) => ({
    id_number: id,
    identity_code: identity,
    department,
    region_code: village,
    valid_from: from,
    valid_to: to ?? null,
    current: to === undefined,
    batch_id: randomUUID(),
  });
  await tdb.db
    .insertInto('identity.spells')
    .values([
      spell(a(5), 'extreme-poverty', 'civil-affairs', A, '2024-01-01'),
      spell(a(6), 'subsistence-allowance', 'civil-affairs', A, '2024-06-01'),
      spell(a(8), 'subsistence-allowance', 'civil-affairs', A, '2024-01-01'),
      spell(b(4), 'returned-to-poverty', 'rural-affairs', B, '2025-01-01'),
      spell(c(4), 'returned-to-poverty', 'rural-affairs', C, '2025-01-01'),
      spell(x(1), 'subsistence-allowance', 'civil-affairs', C, '2025-01-01'),
      spell(a(9), 'extreme-poverty', 'civil-affairs', A, '2023-01-01', '2024-06-30'),
      spell(a(11), 'extreme-poverty', 'civil-affairs', A, '2024-01-01'),
      spell(x(2), 'severe-disability', 'disabled-persons-federation', A, '2024-01-01', '2024-12-31'),
    ])
    .execute();

  // Payments as payment-reconciliation records them; a8's was reversed two days later.
  const payment = (
    id: string,
    village: string,
    channel: string,
    paidOn: string,
    opts: { assistanceFen?: number; year?: number; amountFen?: number } = {},
  ) => ({
    id: randomUUID(),
    channel,
    voucher_number: `V-${id}-${opts.year ?? 2025}`,
    id_number: id,
    year: opts.year ?? 2025,
    amount_fen: opts.amountFen ?? 40000,
    assistance_fen: opts.assistanceFen ?? 0,
    paid_at: `${paidOn}T10:00:00+08:00`,
    paid_on: paidOn,
    village_code: village,
    source: channel === 'cash' ? ('cash' as const) : ('channel' as const),
    status: 'applied' as const,
  });
  const payments = [
    payment(a(1), A, 'wechat', '2024-10-15'),
    payment(a(2), A, 'wechat', '2024-10-15'),
    payment(a(3), A, 'alipay', '2024-11-20'),
    payment(a(4), A, 'wechat', '2024-11-20'),
    payment(a(5), A, 'assistance', '2024-12-10', { assistanceFen: 40000 }),
    payment(a(6), A, 'assistance', '2024-12-10', { assistanceFen: 40000 }),
    payment(a(7), A, 'wechat', '2024-10-15'),
    payment(a(8), A, 'wechat', '2024-11-20'),
    payment(b(1), B, 'cash', '2024-11-20'),
    payment(b(2), B, 'cash', '2024-11-20'),
    payment(b(3), B, 'wechat', '2025-01-05'),
    payment(b(4), B, 'assistance', '2024-11-20', { assistanceFen: 40000 }),
    payment(c(1), C, 'pos', '2024-12-10'),
    payment(c(2), C, 'pos', '2024-12-10'),
    payment(c(3), C, 'pos', '2024-12-10'),
  ];
  await tdb.db.insertInto('payment.payments').values(payments).execute();
  await tdb.db
    .insertInto('payment.reversals')
    .values({
      payment_id: payments[7]?.id as string,
      reversed_at: '2024-11-22T09:00:00+08:00',
      reversed_on: '2024-11-22',
      reason: 'bank refund',
      source: 'channel',
    })
    .execute();

  // The cash ledger of the year before (cq-2024 sets the double limit: bank within 5 days, and the
  // same day once ¥10,000 is held). Judged at the end of 2023-12-10:
  // - 李收款 (village A) holds R1 (12-01, ¥300: late since 12-07) and R2 (12-08, ¥200: in time);
  // - 王收款 (village C) took ¥6,000 and ¥5,000 on 12-09, banked only on 12-11: same-day limit;
  // - 赵收款 (village B) banked R5 the day after: nothing held.
  const receipt = (
    number: string,
    collector: string,
    village: string,
    person: string,
    at: string,
    amountFen: number,
    depositId: string | null = null,
  ) => {
    const p = payment(person, village, 'cash', at.slice(0, 10), { year: 2024, amountFen });
    return {
      payment: { ...p, voucher_number: number },
      receipt: {
        receipt_number: number,
        payment_id: p.id,
        collector_name: collector,
        village_code: village,
        id_number: person,
        year: 2024,
        tier: 1 as const,
        amount_fen: amountFen,
        received_at: `${at}+08:00`,
        received_on: at.slice(0, 10),
        deposit_id: depositId,
      },
    };
  };
  const deposit = (slip: string, collector: string, on: string, amountFen: number) => ({
    id: randomUUID(),
    bank_slip_number: slip,
    collector_name: collector,
    deposited_at: `${on}T16:00:00+08:00`,
    deposited_on: on,
    amount_fen: amountFen,
  });
  const wang = deposit('SLIP-1', '王收款', '2023-12-11', 1100000);
  const zhao = deposit('SLIP-2', '赵收款', '2023-12-03', 10000);
  await tdb.db.insertInto('payment.cash_deposits').values([wang, zhao]).execute();
  const cash = [
    receipt('R1', '李收款', A, a(1), '2023-12-01T10:00:00', 30000),
    receipt('R2', '李收款', A, a(2), '2023-12-08T10:00:00', 20000),
    receipt('R3', '王收款', C, c(1), '2023-12-09T09:00:00', 600000, wang.id),
    receipt('R4', '王收款', C, c(2), '2023-12-09T15:00:00', 500000, wang.id),
    receipt('R5', '赵收款', B, b(1), '2023-12-02T10:00:00', 10000, zhao.id),
  ];
  await tdb.db
    .insertInto('payment.payments')
    .values(cash.map((r) => r.payment))
    .execute();
  await tdb.db
    .insertInto('payment.cash_receipts')
    .values(cash.map((r) => r.receipt))
    .execute();

  // Two reconciliation runs of 2025: the county's (older) and 栗子乡's (newer).
  const county = randomUUID();
  const lizi = randomUUID();
  await tdb.db
    .insertInto('payment.reconciliation_runs')
    .values([
      {
        id: county,
        region_code: COUNTY,
        year: 2025,
        as_of: '2025-01-10T00:00:00+08:00',
        counts: '{}',
        totals: '{}',
        created_at: '2025-01-10T08:00:00+08:00',
      },
      {
        id: lizi,
        region_code: LIZI,
        year: 2025,
        as_of: '2025-01-20T00:00:00+08:00',
        counts: '{}',
        totals: '{}',
        created_at: '2025-01-20T08:00:00+08:00',
      },
    ])
    .execute();
  const item = (
    run: string,
    id: string,
    village: string | null,
    cls: string,
    expected: number | null,
    paidFen: number,
    owed: number | null = null,
  ) => ({
    run_id: run,
    id_number: id,
    village_code: village,
    class: cls,
    expected_fen: expected,
    paid_fen: paidFen,
    owed_fen: owed,
    payment_ids: [],
  });
  await tdb.db
    .insertInto('payment.reconciliation_items')
    .values([
      item(county, a(1), A, 'matched', 40000, 40000),
      item(county, a(2), A, 'matched', 40000, 40000),
      item(county, a(8), A, 'unpaid', 40000, 0),
      item(county, c(1), C, 'matched', 40000, 40000),
      item(county, c(2), C, 'underpaid', 40000, 30000),
      item(county, x(1), null, 'paid-not-enrolled', null, 40000),
      item(lizi, a(1), A, 'matched', 40000, 40000),
      item(lizi, a(2), A, 'matched', 40000, 40000),
      item(lizi, a(3), A, 'matched', 40000, 40000),
      item(lizi, a(8), A, 'unpaid', 40000, 0),
      item(lizi, a(9), A, 'unpaid', 40000, 0),
      item(lizi, b(4), B, 'assistance-owed', 0, 40000, 40000),
    ])
    .execute();
}

await seed();
await rebuildCounters({ db: reportingDb(tdb.db) });

const admin = await createTestKey(tdb.db, 'admin');
const countyOperator = await createTestKey(tdb.db, 'county-operator', { regionCode: COUNTY });
const liziOperator = await createTestKey(tdb.db, 'township-operator', { regionCode: LIZI });
const liziDashboard = await createTestKey(tdb.db, 'dashboard', { regionCode: LIZI });

async function gql(headers: Record<string, string>, query: string, variables?: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } });
  return { status: res.statusCode, body: res.json() };
}
const codeOf = (body: { errors?: Array<{ extensions?: { code?: string } }> }) => body.errors?.[0]?.extensions?.code;

const FIGURES = 'target registered unpaid paid cancelled transferred rate gap';

t.test('progress: the county, its townships and their villages, against the targets', async (t) => {
  const { status, body } = await gql(
    countyOperator.headers,
    `{ progress(regionCode: "${COUNTY}", year: 2025) {
        region { code name level } year asOf ${FIGURES}
        children { region { code name } ${FIGURES} children { region { code } ${FIGURES} } } } }`,
  );
  t.equal(status, 200);
  t.equal(body.errors, undefined);
  const p = body.data.progress;
  t.same(p.region, { code: COUNTY, name: '丰都县', level: 'county' });
  t.equal(p.asOf, null, 'live figures');
  t.match(p, { year: 2025, target: 27, registered: 23, unpaid: 9, paid: 14, cancelled: 2, transferred: 1, gap: 13 });
  t.equal(p.rate, 14 / 27);

  t.same(
    p.children.map((ch: { region: { code: string } }) => ch.region.code),
    [SHETAN, LIZI],
  );
  const [shetan, lizi] = p.children;
  t.match(shetan, { target: 8, registered: 7, unpaid: 4, paid: 3, cancelled: 1, transferred: 0, rate: 0.375, gap: 5 });
  t.match(lizi, { target: 19, registered: 16, unpaid: 5, paid: 11, cancelled: 1, transferred: 1, gap: 8 });
  t.equal(lizi.rate, 11 / 19);

  t.equal(lizi.children.length, 6, 'every village of 栗子乡, those without figures too');
  const village = (code: string) => lizi.children.find((v: { region: { code: string } }) => v.region.code === code);
  t.same(village(A), {
    region: { code: A },
    target: 10,
    registered: 10,
    unpaid: 3,
    paid: 7,
    cancelled: 1,
    transferred: 1,
    rate: 0.7,
    gap: 3,
  });
  t.same(village(B), {
    region: { code: B },
    target: 5,
    registered: 6,
    unpaid: 2,
    paid: 4,
    cancelled: 0,
    transferred: 0,
    rate: 0.8,
    gap: 1,
  });
  t.same(village(D), {
    region: { code: D },
    target: 4,
    registered: 0,
    unpaid: 0,
    paid: 0,
    cancelled: 0,
    transferred: 0,
    rate: 0,
    gap: 4,
  });
  t.same(
    village('500230209203'),
    {
      region: { code: '500230209203' },
      target: 0,
      registered: 0,
      unpaid: 0,
      paid: 0,
      cancelled: 0,
      transferred: 0,
      rate: 0,
      gap: 0,
    },
    'no target, nobody registered: zeros',
  );
  t.equal(shetan.children.length, 18);
  t.match(
    shetan.children.find((v: { region: { code: string } }) => v.region.code === C),
    { target: 8, registered: 7, unpaid: 4, paid: 3, cancelled: 1, rate: 0.375, gap: 5 },
  );

  const legacy = await gql(
    countyOperator.headers,
    `{ enrolmentProgress(regionCode: "${LIZI}", year: 2025) {
        total { code target registered paid cancelled transferred completionRate }
        children { code target paid completionRate } } }`,
  );
  t.same(
    legacy.body.data.enrolmentProgress.total,
    { code: LIZI, target: 19, registered: 5, paid: 10, cancelled: 1, transferred: 1, completionRate: 11 / 19 },
    'the deprecated field reads the same counters',
  );
  t.same(
    legacy.body.data.enrolmentProgress.children.find((v: { code: string }) => v.code === '500230209203'),
    { code: '500230209203', target: null, paid: 0, completionRate: null },
  );
});

t.test('progress reads one statement per level of the tree, however many regions the level holds', async (t) => {
  const query = `{ progress(regionCode: "${COUNTY}", year: 2025) {
      paid children { paid children { region { code } paid children { paid } } } } }`;
  await gql(countyOperator.headers, query); // policies and the compiled query are cached from here on
  for (const round of [1, 2]) {
    statements = 0;
    const { body } = await gql(countyOperator.headers, query);
    t.equal(body.errors, undefined);
    t.equal(body.data.progress.children[1].children.length, 6);
    // county + townships in one; all 24 villages of both townships in one; villages have no children.
    t.equal(statements, 2, `round ${round}: 2 statements for 3 levels and 27 regions`);
  }
});

t.test('progress of a week read from its snapshot (asOf)', async (t) => {
  const snapshot = await tdb.db
    .insertInto('reporting.snapshots')
    .values({ year: 2025, week: '2024-W47', closed: true, taken_by: 'test' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await tdb.db
    .insertInto('reporting.snapshot_villages')
    .values([
      { snapshot_id: snapshot.id, village_code: A, target: 10, registered: 6, paid: 3, cancelled: 0, transferred: 1 },
      { snapshot_id: snapshot.id, village_code: B, target: 5, registered: 4, paid: 1, cancelled: 0, transferred: 0 },
      { snapshot_id: snapshot.id, village_code: D, target: 4, registered: 0, paid: 0, cancelled: 0, transferred: 0 },
      { snapshot_id: snapshot.id, village_code: C, target: 8, registered: 6, paid: 0, cancelled: 1, transferred: 0 },
    ])
    .execute();
  await tdb.db
    .insertInto('reporting.snapshot_groups')
    .values([
      {
        snapshot_id: snapshot.id,
        village_code: A,
        identity_code: 'extreme-poverty',
        department: 'civil-affairs',
        certified: 2,
        enrolled: 2,
        paid: 0,
      },
      {
        snapshot_id: snapshot.id,
        village_code: C,
        identity_code: 'extreme-poverty',
        department: 'civil-affairs',
        certified: 1,
        enrolled: 1,
        paid: 1,
      },
    ])
    .execute();

  const { body } = await gql(
    countyOperator.headers,
    `{ progress(regionCode: "${LIZI}", year: 2025, asOf: "2024-11-20") {
        asOf ${FIGURES} children { region { code } paid target } }
      specialGroups(regionCode: "${COUNTY}", year: 2025, asOf: "2024-11-22") { identity certified enrolled paid rate } }`,
  );
  t.equal(body.errors, undefined);
  const p = body.data.progress;
  t.match(p, {
    asOf: '2024-11-20',
    target: 19,
    registered: 15,
    unpaid: 10,
    paid: 5,
    cancelled: 0,
    transferred: 1,
    gap: 14,
  });
  t.equal(p.rate, 5 / 19);
  t.match(
    p.children.find((v: { region: { code: string } }) => v.region.code === A),
    { paid: 4, target: 10 },
  );
  t.same(body.data.specialGroups, [{ identity: 'extreme-poverty', certified: 3, enrolled: 3, paid: 1, rate: 1 / 3 }]);

  const none = await gql(
    countyOperator.headers,
    `{ progress(regionCode: "${LIZI}", year: 2025, asOf: "2024-12-20") { paid } }`,
  );
  t.equal(codeOf(none.body), 'VALIDATION_FAILED', 'no snapshot of that week');
  t.match(none.body.errors[0].message, /asOf/);
  const bad = await gql(
    countyOperator.headers,
    `{ progress(regionCode: "${LIZI}", year: 2025, asOf: "2024-02-30") { paid } }`,
  );
  t.equal(codeOf(bad.body), 'VALIDATION_FAILED', 'not a day');
});

t.test('special groups per department and identity against the policy goal', async (t) => {
  const { body } = await gql(
    countyOperator.headers,
    `{ county: specialGroups(regionCode: "${COUNTY}", year: 2025) { department identity certified enrolled paid rate goal met }
       lizi: specialGroups(regionCode: "${LIZI}", year: 2025) { identity certified enrolled paid rate goal met }
       before: specialGroups(regionCode: "${LIZI}", year: 2024) { identity certified enrolled paid rate goal met } }`,
  );
  t.equal(body.errors, undefined);
  // cq-2025: 99% for every identity.
  t.same(body.data.county, [
    {
      department: 'civil-affairs',
      identity: 'extreme-poverty',
      certified: 2,
      enrolled: 1,
      paid: 1,
      rate: 0.5,
      goal: 0.99,
      met: false,
    },
    {
      department: 'civil-affairs',
      identity: 'subsistence-allowance',
      certified: 3,
      enrolled: 2,
      paid: 1,
      rate: 1 / 3,
      goal: 0.99,
      met: false,
    },
    {
      department: 'rural-affairs',
      identity: 'returned-to-poverty',
      certified: 2,
      enrolled: 2,
      paid: 1,
      rate: 0.5,
      goal: 0.99,
      met: false,
    },
  ]);
  t.same(body.data.lizi, [
    { identity: 'extreme-poverty', certified: 2, enrolled: 1, paid: 1, rate: 0.5, goal: 0.99, met: false },
    { identity: 'subsistence-allowance', certified: 2, enrolled: 2, paid: 1, rate: 0.5, goal: 0.99, met: false },
    { identity: 'returned-to-poverty', certified: 1, enrolled: 1, paid: 1, rate: 1, goal: 0.99, met: true },
  ]);
  // cq-2024: 100% for the identities it lists; severe disability is not among them.
  t.same(body.data.before, [
    { identity: 'extreme-poverty', certified: 3, enrolled: 1, paid: 1, rate: 1 / 3, goal: 1, met: false },
    { identity: 'subsistence-allowance', certified: 2, enrolled: 0, paid: 0, rate: 0, goal: 1, met: false },
    { identity: 'severe-disability', certified: 1, enrolled: 0, paid: 0, rate: 0, goal: null, met: null },
  ]);
});

t.test('funding by source, and the payments behind it by channel', async (t) => {
  const CHANNELS = 'byChannel { channel payments amountFen assistanceFen reversals reversedFen }';
  const { body } = await gql(
    countyOperator.headers,
    `{ county: funding(regionCode: "${COUNTY}", year: 2025) { regionCode year from to personalFen assistanceFen fiscalFen }
       lizi: funding(regionCode: "${LIZI}", year: 2025) { personalFen assistanceFen fiscalFen ${CHANNELS} }
       november: funding(regionCode: "${LIZI}", year: 2025, from: "2024-11-01", to: "2024-11-30") {
         from to personalFen assistanceFen fiscalFen ${CHANNELS} } }`,
  );
  t.equal(body.errors, undefined);
  t.same(body.data.county, {
    regionCode: COUNTY,
    year: 2025,
    from: null,
    to: null,
    personalFen: 440000,
    assistanceFen: 120000,
    fiscalFen: 952000,
  });
  t.same(body.data.lizi, {
    personalFen: 320000,
    assistanceFen: 120000,
    fiscalFen: 748000,
    byChannel: [
      { channel: 'alipay', payments: 1, amountFen: 40000, assistanceFen: 0, reversals: 0, reversedFen: 0 },
      { channel: 'assistance', payments: 3, amountFen: 120000, assistanceFen: 120000, reversals: 0, reversedFen: 0 },
      { channel: 'cash', payments: 2, amountFen: 80000, assistanceFen: 0, reversals: 0, reversedFen: 0 },
      { channel: 'wechat', payments: 5, amountFen: 200000, assistanceFen: 0, reversals: 1, reversedFen: 40000 },
    ],
  });
  t.same(body.data.november, {
    from: '2024-11-01',
    to: '2024-11-30',
    personalFen: 160000,
    assistanceFen: 40000,
    fiscalFen: 340000,
    byChannel: [
      { channel: 'alipay', payments: 1, amountFen: 40000, assistanceFen: 0, reversals: 0, reversedFen: 0 },
      { channel: 'assistance', payments: 1, amountFen: 40000, assistanceFen: 40000, reversals: 0, reversedFen: 0 },
      { channel: 'cash', payments: 2, amountFen: 80000, assistanceFen: 0, reversals: 0, reversedFen: 0 },
      { channel: 'wechat', payments: 1, amountFen: 40000, assistanceFen: 0, reversals: 1, reversedFen: 40000 },
    ],
  });

  const backwards = await gql(
    countyOperator.headers,
    `{ funding(regionCode: "${LIZI}", year: 2025, from: "2024-12-01", to: "2024-11-01") { personalFen } }`,
  );
  t.equal(codeOf(backwards.body), 'VALIDATION_FAILED', 'from after to');
  const notADay = await gql(
    countyOperator.headers,
    `{ funding(regionCode: "${LIZI}", year: 2025, from: "2024-13-01") { personalFen } }`,
  );
  t.equal(codeOf(notADay.body), 'VALIDATION_FAILED');
});

t.test('cash alerts: collectors past the double limit of the policy in force', async (t) => {
  const FIELDS = 'collector kind since undepositedFen receiptNumbers';
  const { body } = await gql(
    countyOperator.headers,
    `{ county: cashAlerts(regionCode: "${COUNTY}", on: "2023-12-10") { ${FIELDS} }
       lizi: cashAlerts(regionCode: "${LIZI}", on: "2023-12-10") { ${FIELDS} }
       later: cashAlerts(regionCode: "${COUNTY}", on: "2023-12-12") { ${FIELDS} } }`,
  );
  t.equal(body.errors, undefined);
  const li = {
    collector: '李收款',
    kind: 'late-deposit',
    since: '2023-12-07',
    undepositedFen: 50000,
    receiptNumbers: ['R1'],
  };
  t.same(body.data.county, [
    {
      collector: '王收款',
      kind: 'same-day-limit',
      since: '2023-12-09',
      undepositedFen: 1100000,
      receiptNumbers: ['R3', 'R4'],
    },
    li,
  ]);
  t.same(body.data.lizi, [li]);
  t.same(body.data.later, [li], '王收款 banked on the 11th');
});

t.test('the latest reconciliation run covering a region, counted within it', async (t) => {
  const CLASSES = 'classes { class persons expectedFen paidFen owedFen }';
  const { body } = await gql(
    countyOperator.headers,
    `{ lizi: reconciliation(regionCode: "${LIZI}", year: 2025) { runRegionCode year ${CLASSES} }
       village: reconciliation(regionCode: "${A}", year: 2025) { runRegionCode ${CLASSES} }
       shetan: reconciliation(regionCode: "${SHETAN}", year: 2025) { runRegionCode ${CLASSES} }
       county: reconciliation(regionCode: "${COUNTY}", year: 2025) { runRegionCode asOf ${CLASSES} }
       none: reconciliation(regionCode: "${LIZI}", year: 2024) { runId } }`,
  );
  t.equal(body.errors, undefined);
  t.same(body.data.lizi, {
    runRegionCode: LIZI,
    year: 2025,
    classes: [
      { class: 'assistance-owed', persons: 1, expectedFen: 0, paidFen: 40000, owedFen: 40000 },
      { class: 'matched', persons: 3, expectedFen: 120000, paidFen: 120000, owedFen: 0 },
      { class: 'unpaid', persons: 2, expectedFen: 80000, paidFen: 0, owedFen: 0 },
    ],
  });
  t.same(body.data.village, {
    runRegionCode: LIZI,
    classes: [
      { class: 'matched', persons: 3, expectedFen: 120000, paidFen: 120000, owedFen: 0 },
      { class: 'unpaid', persons: 2, expectedFen: 80000, paidFen: 0, owedFen: 0 },
    ],
  });
  t.same(body.data.shetan, {
    runRegionCode: COUNTY,
    classes: [
      { class: 'matched', persons: 1, expectedFen: 40000, paidFen: 40000, owedFen: 0 },
      { class: 'underpaid', persons: 1, expectedFen: 40000, paidFen: 30000, owedFen: 0 },
    ],
  });
  t.same(body.data.county, {
    runRegionCode: COUNTY,
    asOf: '2025-01-09T16:00:00.000Z',
    classes: [
      { class: 'matched', persons: 3, expectedFen: 120000, paidFen: 120000, owedFen: 0 },
      { class: 'paid-not-enrolled', persons: 1, expectedFen: 0, paidFen: 40000, owedFen: 0 },
      { class: 'underpaid', persons: 1, expectedFen: 40000, paidFen: 30000, owedFen: 0 },
      { class: 'unpaid', persons: 1, expectedFen: 40000, paidFen: 0, owedFen: 0 },
    ],
  });
  t.equal(body.data.none, null, 'no run of 2024');
});

const UNPAID = (first: number, after?: string) =>
  `{ unpaid(regionCode: "${LIZI}", year: 2025, first: ${first}${after ? `, after: "${after}"` : ''}) {
      totalCount nodes { idNumber name village { code name } category masked } pageInfo { hasNextPage endCursor } } }`;

t.test('the unpaid list, paged in village and ID order, whole for a township operator', async (t) => {
  const seen: Array<{ idNumber: string; name: string; village: { code: string } }> = [];
  let after: string | undefined;
  const pages: boolean[] = [];
  do {
    const { body } = await gql(liziOperator.headers, UNPAID(2, after));
    t.equal(body.errors, undefined);
    t.equal(body.data.unpaid.totalCount, 5);
    seen.push(...body.data.unpaid.nodes);
    pages.push(body.data.unpaid.pageInfo.hasNextPage);
    after = body.data.unpaid.pageInfo.hasNextPage ? body.data.unpaid.pageInfo.endCursor : undefined;
  } while (after);
  t.same(pages, [true, true, false]);
  t.same(seen, [
    {
      idNumber: '500230198001011080',
      name: '黄海',
      village: { code: A, name: '栗子社区居民委员会' },
      category: 'resident',
      masked: false,
    },
    {
      idNumber: '500230198001011099',
      name: '周强',
      village: { code: A, name: '栗子社区居民委员会' },
      category: 'resident',
      masked: false,
    },
    {
      idNumber: '500230198001011101',
      name: '吴敏',
      village: { code: A, name: '栗子社区居民委员会' },
      category: 'resident',
      masked: false,
    },
    {
      idNumber: '500230198001011259',
      name: '陈静',
      village: { code: B, name: '南江村村民委员会' },
      category: 'resident',
      masked: false,
    },
    {
      idNumber: '500230198001011267',
      name: '杨帆',
      village: { code: B, name: '南江村村民委员会' },
      category: 'resident',
      masked: false,
    },
  ]);
});

t.test('the unpaid list is masked for a dashboard key', async (t) => {
  const { body } = await gql(liziDashboard.headers, UNPAID(1));
  t.same(body.data.unpaid, {
    totalCount: 5,
    nodes: [
      {
        idNumber: '500230********1080',
        name: '黄*',
        village: { code: A, name: '栗子社区居民委员会' },
        category: 'resident',
        masked: true,
      },
    ],
    pageInfo: { hasNextPage: true, endCursor: body.data.unpaid.pageInfo.endCursor },
  });
  t.notMatch(JSON.stringify(body), /500230198001011080/, 'the ID number is nowhere in the answer, cursor included');
  const next = await gql(liziDashboard.headers, UNPAID(1, body.data.unpaid.pageInfo.endCursor));
  t.equal(next.body.data.unpaid.nodes[0].idNumber, '500230********1099');
});

t.test('bad arguments are VALIDATION_FAILED; regions outside the key OUT_OF_SCOPE', async (t) => {
  for (const [what, query] of [
    ['first: 0', UNPAID(0)],
    ['first: 500', UNPAID(500)],
    ['a cursor of nothing', UNPAID(2, 'bm90IGEgY3Vyc29y')],
    ['a year no policy covers', `{ progress(regionCode: "${LIZI}", year: 2019) { paid } }`],
    ['a year no policy covers (special groups)', `{ specialGroups(regionCode: "${LIZI}", year: 2019) { paid } }`],
    ['a year no policy covers (unpaid)', `{ unpaid(regionCode: "${LIZI}", year: 2031) { totalCount } }`],
    ['not a day', `{ cashAlerts(regionCode: "${LIZI}", on: "yesterday") { kind } }`],
  ] as const) {
    const { body } = await gql(admin.headers, query);
    t.equal(codeOf(body), 'VALIDATION_FAILED', what);
  }

  const unknown = await gql(admin.headers, '{ progress(regionCode: "500230999", year: 2025) { paid } }');
  t.equal(codeOf(unknown.body), 'REGION_NOT_FOUND');

  for (const field of [
    `progress(regionCode: "${SHETAN}", year: 2025) { paid }`,
    `specialGroups(regionCode: "${COUNTY}", year: 2025) { paid }`,
    `funding(regionCode: "${C}", year: 2025) { personalFen }`,
    `cashAlerts(regionCode: "${COUNTY}") { kind }`,
    `reconciliation(regionCode: "${COUNTY}", year: 2025) { runId }`,
    `unpaid(regionCode: "${SHETAN}", year: 2025) { totalCount }`,
    `enrolmentProgress(regionCode: "${COUNTY}", year: 2025) { total { paid } }`,
  ]) {
    const { body } = await gql(liziDashboard.headers, `{ ${field} }`);
    t.equal(codeOf(body), 'OUT_OF_SCOPE', field);
  }
});

t.test('a query compiled by graphql-jit answers and fails exactly as the first time', async (t) => {
  // mercurius compiles a document the second time it sees it; the third runs compiled too.
  const query = `query Lizi($year: Int!) {
    progress(regionCode: "${LIZI}", year: $year) { paid children { region { code } paid } }
    unpaid(regionCode: "${LIZI}", year: $year, first: 1) { totalCount } }`;
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push(await gql(liziDashboard.headers, query, { year: 2025 }));
  t.same(answers[1], answers[0]);
  t.same(answers[2], answers[0]);
  t.equal(answers[0]?.body.data.progress.paid, 11);

  for (const [query, code] of [
    [`{ progress(regionCode: "${SHETAN}", year: 2025) { paid } }`, 'OUT_OF_SCOPE'],
    [`{ unpaid(regionCode: "${LIZI}", year: 2025, first: 0) { totalCount } }`, 'VALIDATION_FAILED'],
    [`{ progress(regionCode: "${LIZI}", year: 2019) { paid } }`, 'VALIDATION_FAILED'],
  ] as const) {
    for (let i = 0; i < 3; i++) {
      const { status, body } = await gql(liziDashboard.headers, query);
      t.equal(codeOf(body), code, `${code}, run ${i + 1}`);
      t.equal(body.data, null);
      t.equal(status, code === 'OUT_OF_SCOPE' ? 403 : 400);
    }
  }
});

t.test('a page of the unpaid list is priced by its size', async (t) => {
  const { buildSchema, parse } = await import('graphql');
  const { queryCost } = await import('../src/graphql/query-cost.js');
  const { schema } = await import('../src/graphql/schema.js');
  const cost = (first: number) =>
    queryCost(
      buildSchema(schema),
      parse(`{ unpaid(regionCode: "${LIZI}", year: 2025, first: ${first}) { nodes { idNumber name category } } }`),
      {},
      undefined,
    );
  // 50 for the field, and the 4 fields asked of each row once per 50 rows.
  t.equal(cost(50), 54);
  t.equal(cost(51), 58);
  t.equal(cost(200), 66);
});
