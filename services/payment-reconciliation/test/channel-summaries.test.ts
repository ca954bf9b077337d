import { createTestDatabase } from '@rmi/db';
import { readWorkbook } from '@rmi/ingest/testing';
import { checkCharacter } from '@rmi/rules';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import t from 'tap';
import paymentApp, { PaymentConfigSchema, SERVICE } from '../src/app.js';

// Per day, channel and village: what the county compares with each channel's bank statement.

const V1 = '500230209200';
const V2 = '500230209201';
const tdb = await createTestDatabase();
const app = await buildApp(SERVICE, paymentApp, { db: tdb.db, config: testConfig({}, PaymentConfigSchema) });
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});

let serial = 0;
function idNumber(): string {
  serial += 1;
  const first17 = `50023019900101${String(serial).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

/** A payment as an import or the API would have left it. */
async function paid(channel: string, village: string | null, paidAt: string, amountFen: number, assistanceFen = 0) {
  const row = await tdb.db
    .insertInto('payment.payments')
    .values({
      channel,
      voucher_number: `V-${serial + 1}`,
      id_number: idNumber(),
      year: 2024,
      tier: 1,
      amount_fen: amountFen,
      assistance_fen: assistanceFen,
      paid_at: paidAt,
      // Asia/Shanghai day of the instants used below.
      paid_on: paidAt.slice(0, 10),
      village_code: village,
      source: 'api',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const operator = await createTestKey(tdb.db, 'county-operator', { regionCode: '500230' });
const collector = await createTestKey(tdb.db, 'collector', { regionCode: V1 });

// 2024-03-01: two WeChat payments in V1 (one of them reversed on 03-02), one in V2, a POS payment
// with a part paid on the person's behalf, a cash receipt; 2024-03-02: one Alipay payment.
const reversedId = await paid('wechat', V1, '2024-03-01T10:00:00+08:00', 38000);
await paid('wechat', V1, '2024-03-01T11:00:00+08:00', 77500);
await paid('wechat', V2, '2024-03-01T12:00:00+08:00', 38000);
await paid('pos', V1, '2024-03-01T13:00:00+08:00', 3800, 34200);
await paid('alipay', V1, '2024-03-02T09:00:00+08:00', 38000);
await paid('alipay', '500101001001', '2024-03-02T09:00:00+08:00', 38000);
const cash = await app.inject({
  method: 'POST',
  url: '/v1/cash-receipts',
  headers: collector.headers,
  payload: {
    receiptNumber: 'XJ-1',
    idNumber: idNumber(),
    year: 2024,
    tier: 1,
    amountFen: 38000,
    receivedAt: '2024-03-01T16:00:00+08:00',
    signedByPayer: true,
    signedByCollector: true,
  },
});
if (cash.statusCode !== 201) throw new Error(cash.body);
await tdb.db
  .insertInto('payment.reversals')
  .values({
    payment_id: reversedId,
    reversed_at: '2024-03-02T10:00:00+08:00',
    reversed_on: '2024-03-02',
    reason: '重复缴费',
    source: 'api',
  })
  .execute();

const summary = (query: string, headers = operator.headers) =>
  app.inject({ method: 'GET', url: `/v1/channel-summaries?${query}`, headers });

const EXPECTED = [
  {
    day: '2024-03-01',
    channel: 'cash',
    villageCode: V1,
    payments: 1,
    paymentsFen: 38000,
    reversals: 0,
    reversalsFen: 0,
  },
  {
    day: '2024-03-01',
    channel: 'pos',
    villageCode: V1,
    payments: 1,
    paymentsFen: 38000,
    reversals: 0,
    reversalsFen: 0,
  },
  {
    day: '2024-03-01',
    channel: 'wechat',
    villageCode: V1,
    payments: 2,
    paymentsFen: 115500,
    reversals: 0,
    reversalsFen: 0,
  },
  {
    day: '2024-03-01',
    channel: 'wechat',
    villageCode: V2,
    payments: 1,
    paymentsFen: 38000,
    reversals: 0,
    reversalsFen: 0,
  },
  {
    day: '2024-03-02',
    channel: 'alipay',
    villageCode: V1,
    payments: 1,
    paymentsFen: 38000,
    reversals: 0,
    reversalsFen: 0,
  },
  {
    day: '2024-03-02',
    channel: 'wechat',
    villageCode: V1,
    payments: 0,
    paymentsFen: 0,
    reversals: 1,
    reversalsFen: 38000,
  },
];

t.test('payments by the day paid, reversals by the day reversed, per channel and village', async (t) => {
  const res = await summary('regionCode=500230&from=2024-03-01&to=2024-03-02');
  t.equal(res.statusCode, 200);
  t.same(res.json(), { rows: EXPECTED }, 'the POS payment counts its 代缴 part; another county is left out');

  const firstDay = await summary('from=2024-03-01&to=2024-03-01');
  t.same(firstDay.json().rows, EXPECTED.slice(0, 4), 'the key’s region by default; the reversal falls on its own day');
  const township = await createTestKey(tdb.db, 'township-operator', { regionCode: '500230209' });
  const village = await summary(`regionCode=${V2}&from=2024-03-01&to=2024-03-02`, township.headers);
  t.same(village.json().rows, [EXPECTED[3]], 'one village');
});

t.test('CSV (UTF-8 with BOM) and XLSX with Chinese headers', async (t) => {
  const csv = await summary('regionCode=500230&from=2024-03-01&to=2024-03-02&format=csv');
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /^text\/csv/);
  t.match(
    csv.headers['content-disposition'],
    /attachment; filename="channel-summary-500230-2024-03-01-2024-03-02\.csv"/,
  );
  const bytes = csv.rawPayload;
  t.same([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'BOM: Excel opens it as UTF-8');
  const lines = bytes.subarray(3).toString('utf8').trim().split(/\r?\n/);
  t.equal(lines[0], '日期,渠道代码,渠道,村(社区)代码,缴费笔数,缴费金额(元),冲正笔数,冲正金额(元)');
  t.equal(lines.length, 1 + EXPECTED.length);
  t.equal(lines[3], `2024-03-01,wechat,微信,${V1},2,1155,0,0`);
  t.equal(lines[6], `2024-03-02,wechat,微信,${V1},0,0,1,380`);

  const xlsx = await summary('regionCode=500230&from=2024-03-01&to=2024-03-02&format=xlsx');
  t.equal(xlsx.statusCode, 200);
  t.match(xlsx.headers['content-type'], /spreadsheetml/);
  const book = await readWorkbook(xlsx.rawPayload);
  t.same(book.rows[0], [
    '日期',
    '渠道代码',
    '渠道',
    '村(社区)代码',
    '缴费笔数',
    '缴费金额(元)',
    '冲正笔数',
    '冲正金额(元)',
  ]);
  t.same(book.rows[1], ['2024-03-01', 'cash', '现金', V1, 1, 380, 0, 0]);
  t.same(book.rows[2], ['2024-03-01', 'pos', '专用POS机', V1, 1, 380, 0, 0]);
  t.equal(book.rows.length, 1 + EXPECTED.length);
});

t.test('bad ranges and other regions are refused', async (t) => {
  const backwards = await summary('from=2024-03-02&to=2024-03-01');
  t.equal(backwards.statusCode, 400);
  t.equal(backwards.json().errors[0].path, 'querystring.to');
  const tooLong = await summary('from=2024-01-01&to=2025-01-01');
  t.equal(tooLong.statusCode, 400, 'at most 366 days');
  t.equal((await summary('from=2024-01-01&to=2024-12-31')).statusCode, 200, 'a whole leap year is fine');
  const elsewhere = await summary('regionCode=500101&from=2024-03-01&to=2024-03-02');
  t.equal(elsewhere.statusCode, 403);
  t.equal((await summary('from=2024-03-01&to=2024-03-02', collector.headers)).statusCode, 403, 'not a collector');
  const admin = await createTestKey(tdb.db, 'admin');
  const all = await summary('from=2024-03-02&to=2024-03-02', admin.headers);
  t.equal(all.json().rows.filter((r: { channel: string }) => r.channel === 'alipay').length, 2, 'admin: every county');
});
