import { createTestDatabase } from '@rmi/db';
import { checkCharacter } from '@rmi/rules';
import { buildApp, createApiKeysRepository, createTestKey, shanghaiToday, testConfig } from '@rmi/service-kit';
import t from 'tap';
import paymentApp, { PaymentConfigSchema, SERVICE } from '../src/app.js';

// The double limit (双限) of 000_9c4e2275e911b0e9.txt#附件3 item 5, as the county sees it: cash
// reaching 10,000 yuan is banked the same day, less within 5 days. Chongqing 2024 (cq-2024) states
// both; cq-2025 states none.

const VILLAGE = '500230209200';
const TOWNSHIP = '500230209';
const tdb = await createTestDatabase();
const app = await buildApp(SERVICE, paymentApp, { db: tdb.db, config: testConfig({}, PaymentConfigSchema) });
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});

const keys = createApiKeysRepository(tdb.db);
async function collectorKey(name: string) {
  const row = await keys.create({ name, role: 'collector', regionCode: VILLAGE });
  return { authorization: `Bearer ${row.key}` };
}

let serial = 0;
function idNumber(): string {
  serial += 1;
  const first17 = `50023019850101${String(serial).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

async function receive(headers: Record<string, string>, receiptNumber: string, yuan: number, at: string, year = 2024) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/cash-receipts',
    headers,
    payload: {
      receiptNumber,
      idNumber: idNumber(),
      year,
      tier: 1,
      amountFen: yuan * 100,
      receivedAt: at,
      signedByPayer: true,
      signedByCollector: true,
    },
  });
  if (res.statusCode !== 201) throw new Error(`receipt ${receiptNumber}: ${res.statusCode} ${res.body}`);
}

async function deposit(
  headers: Record<string, string>,
  slip: string,
  at: string,
  yuan: number,
  receiptNumbers: string[],
) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/cash-deposits',
    headers,
    payload: { bankSlipNumber: slip, depositedAt: at, amountFen: yuan * 100, receiptNumbers },
  });
  if (res.statusCode !== 201) throw new Error(`deposit ${slip}: ${res.statusCode} ${res.body}`);
}

interface Answer {
  on: string;
  collectors: Array<{
    collector: string;
    undepositedFen: number;
    oldestReceiptAt: string | null;
    alerts: Array<{ kind: string; since: string; receiptNumbers: string[] }>;
  }>;
  limits: Array<{
    year: number;
    depositWithinDays: number | null;
    sameDayDepositFen: number | null;
    source: string | null;
  }>;
}

async function alerts(headers: Record<string, string>, query: string): Promise<Answer> {
  const res = await app.inject({ method: 'GET', url: `/v1/cash-alerts?${query}`, headers });
  if (res.statusCode !== 200) throw new Error(`alerts: ${res.statusCode} ${res.body}`);
  return res.json();
}
const of = (answer: Answer, collector: string) => answer.collectors.find((c) => c.collector === collector);

const operator = await createTestKey(tdb.db, 'township-operator', { regionCode: TOWNSHIP });

t.test('cash crossing 10,000 yuan on a day is due at the bank that day; banking it clears the alert', async (t) => {
  const me = await collectorKey('收款员 甲');
  await receive(me, 'A-1', 6000, '2024-03-01T09:00:00+08:00');
  await receive(me, 'A-2', 4500, '2024-03-01T15:00:00+08:00');

  const morning = await alerts(operator.headers, `regionCode=${VILLAGE}&on=2024-02-29`);
  t.equal(of(morning, '收款员 甲'), undefined, 'nothing held the day before');

  const evening = await alerts(operator.headers, `regionCode=${VILLAGE}&on=2024-03-01`);
  t.same(of(evening, '收款员 甲'), {
    collector: '收款员 甲',
    undepositedFen: 1_050_000,
    oldestReceiptAt: '2024-03-01T01:00:00.000Z',
    alerts: [{ kind: 'same-day-limit', since: '2024-03-01', receiptNumbers: ['A-1', 'A-2'] }],
  });
  t.same(
    evening.limits.find((l) => l.year === 2024),
    { year: 2024, depositWithinDays: 5, sameDayDepositFen: 1_000_000, source: '000_9c4e2275e911b0e9.txt#附件3' },
    'the limits of cq-2024, cited',
  );

  await deposit(me, 'YH-A', '2024-03-01T16:30:00+08:00', 10500, ['A-1', 'A-2']);
  const banked = await alerts(operator.headers, `regionCode=${VILLAGE}&on=2024-03-01`);
  t.equal(of(banked, '收款员 甲'), undefined, 'banked the same day: nothing held, nothing to say');
  const later = await alerts(operator.headers, `regionCode=${VILLAGE}&on=2024-03-09`);
  t.equal(of(later, '收款员 甲'), undefined, 'nor on any later day');
});

t.test('yesterday’s cash banked in the morning does not add to the afternoon’s collection', async (t) => {
  const me = await collectorKey('收款员 乙');
  await receive(me, 'B-1', 9000, '2024-03-04T14:00:00+08:00');
  await deposit(me, 'YH-B', '2024-03-05T09:00:00+08:00', 9000, ['B-1']);
  await receive(me, 'B-2', 2000, '2024-03-05T14:00:00+08:00');
  const answer = await alerts(operator.headers, `regionCode=${VILLAGE}&on=2024-03-05`);
  t.same(of(answer, '收款员 乙'), {
    collector: '收款员 乙',
    undepositedFen: 200_000,
    oldestReceiptAt: '2024-03-05T06:00:00.000Z',
    alerts: [],
  });
});

t.test('a receipt held six days is late; five days is not', async (t) => {
  const me = await collectorKey('收款员 丙');
  await receive(me, 'C-1', 380, '2024-03-10T11:00:00+08:00');
  await receive(me, 'C-2', 775, '2024-03-12T11:00:00+08:00');
  const fifth = await alerts(operator.headers, `regionCode=${VILLAGE}&on=2024-03-15`);
  t.same(of(fifth, '收款员 丙')?.alerts, [], 'five days after: still in time');
  t.equal(of(fifth, '收款员 丙')?.undepositedFen, 115_500);
  const sixth = await alerts(operator.headers, `regionCode=${VILLAGE}&on=2024-03-16`);
  t.same(of(sixth, '收款员 丙')?.alerts, [{ kind: 'late-deposit', since: '2024-03-16', receiptNumbers: ['C-1'] }]);
  const alerted = sixth.collectors.findIndex((c) => c.alerts.length > 0 && c.collector === '收款员 丙');
  t.ok(
    sixth.collectors.slice(0, alerted).every((c) => c.alerts.length > 0),
    'collectors breaking a limit are listed first',
  );
});

t.test('a year whose policy states no limits is listed and not judged', async (t) => {
  const me = await collectorKey('收款员 丁');
  // 2025 contributions collected in late 2024; cq-2025 states no cash limits.
  await receive(me, 'D-1', 12000, '2024-10-08T10:00:00+08:00', 2025);
  const answer = await alerts(operator.headers, `regionCode=${VILLAGE}&on=2024-10-20`);
  t.same(of(answer, '收款员 丁'), {
    collector: '收款员 丁',
    undepositedFen: 1_200_000,
    oldestReceiptAt: '2024-10-08T02:00:00.000Z',
    alerts: [],
  });
  t.same(
    answer.limits.find((l) => l.year === 2025),
    {
      year: 2025,
      depositWithinDays: null,
      sameDayDepositFen: null,
      source: null,
    },
  );
});

t.test('who sees what: a collector itself, operators their region', async (t) => {
  const me = await collectorKey('收款员 戊');
  await receive(me, 'E-1', 100, '2024-03-20T10:00:00+08:00');
  const own = await alerts(me, 'on=2024-03-20');
  t.same(
    own.collectors.map((c) => c.collector),
    ['收款员 戊'],
    'only its own cash',
  );
  t.equal((await alerts(me, '')).on, shanghaiToday(), 'judged at the end of today unless told');
  const county = await createTestKey(tdb.db, 'county-operator', { regionCode: '500230' });
  const wide = await alerts(county.headers, 'on=2024-03-20');
  t.ok(wide.collectors.length > 1, 'every collector of the county');
  const dashboard = await createTestKey(tdb.db, 'dashboard', { regionCode: '500230' });
  t.ok((await alerts(dashboard.headers, 'on=2024-03-20')).collectors.length > 1);

  const elsewhere = await createTestKey(tdb.db, 'county-operator', { regionCode: '500101' });
  const refused = await app.inject({
    method: 'GET',
    url: `/v1/cash-alerts?regionCode=${VILLAGE}`,
    headers: elsewhere.headers,
  });
  t.equal(refused.statusCode, 403);
  const feed = await createTestKey(tdb.db, 'department-feed', { department: 'tax' });
  t.equal((await app.inject({ method: 'GET', url: '/v1/cash-alerts', headers: feed.headers })).statusCode, 403);
});
