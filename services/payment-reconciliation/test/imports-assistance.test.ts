import { encodeAs } from '@rmi/ingest';
import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { count, paymentsOf, postImport, setupImports } from './fixtures/imports-setup.js';
import { csvOf, idNumbers, V } from './fixtures/tax-export.js';

// contracts/payments.md "Importing exports": the medical-assistance fund's payment-on-behalf list
// (代缴名单) and a channel's statement, and what the fund paid per person across its batches.

const { app, db, admin } = await setupImports(t);
const person = idNumbers(20_000);
const county = await createTestKey(db, 'county-operator', { regionCode: '500230' });

const ASSISTANCE_HEADER = [
  '序号',
  '请款批次',
  '证件号码',
  '姓名',
  '代缴类别',
  '代缴金额(元)',
  '代缴日期',
  '参保地',
  '作废标志',
];

t.test('an assistance list: each row a payment on channel assistance; totals per person across batches', async (t) => {
  const [x, y, z] = [person(), person(), person()];
  const first = encodeAs(
    csvOf([
      ASSISTANCE_HEADER,
      ['1', '2025年第1批', x, '甲', '特困人员', '400.00', '2025-01-15', V.desheng, ''],
      ['2', '2025年第1批', y, '乙', '城乡低保对象', '360', '2025-01-15', V.nanjiang, ''],
    ]),
    'gb18030',
  );
  const res = await postImport(app, county, first, 'source=assistance-batch&year=2025');
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json().counts, { new: 2, errors: 0 });
  const second = csvOf([
    ASSISTANCE_HEADER,
    // The second batch pays the rest of x's part, and y's again (a mistake, reversed below), and z.
    ['1', '2025年第2批', x, '甲', '特困人员', '0.01', '2025-02-15', V.desheng, '否'],
    ['2', '2025年第2批', y, '乙', '城乡低保对象', '360.00', '2025-02-15', V.nanjiang, ''],
    ['3', '2025年第2批', z, '丙', '低保边缘户', '280.00', '2025-02-15', V.pingan, ''],
    ['4', '2025年第2批', y, '乙', '城乡低保对象', '-360.00', '2025-02-20', V.nanjiang, '是'],
  ]);
  const res2 = await postImport(app, county, second, 'source=assistance-batch&year=2025');
  t.equal(res2.statusCode, 201, res2.body);
  t.match(res2.json().counts, { new: 3, reversals: 1, errors: 0 });
  const mine = (await paymentsOf(db)).filter((p) => p.channel === 'assistance');
  t.equal(mine.length, 5);
  for (const p of mine) {
    t.match(p, { source: 'assistance-batch', amount_fen: 0, voucher_number: /^AB-[0-9a-f]{32}$/ });
  }
  t.match(
    mine.find((p) => p.id_number === x && p.request_batch === '2025年第1批'),
    { assistance_fen: 40_000, assistance_category: '特困人员', village_code: V.desheng, paid_on: '2025-01-15' },
  );

  t.test('the same lists again change nothing: their vouchers derive from batch and person', async (t) => {
    const again = await postImport(app, county, first, 'source=assistance-batch&year=2025');
    t.equal(again.statusCode, 200, again.body);
    t.match(again.json(), { status: 'unchanged', counts: { new: 0, unchanged: 2 } });
    t.equal(await count(db, 'payment.payments'), 5);
  });

  t.test('totals per person and year, reversed payments left out, with the batches that paid', async (t) => {
    const all = await app.inject({
      method: 'GET',
      url: '/v1/assistance-totals?regionCode=500230&year=2025',
      headers: county.headers,
    });
    t.equal(all.statusCode, 200, all.body);
    const items = all.json().items as Array<{
      idNumber: string;
      assistanceFen: number;
      payments: number;
      batches: string[];
    }>;
    t.same(
      items.map((i) => [i.idNumber, i.assistanceFen, i.payments, i.batches]),
      [
        [x, 40_001, 2, ['2025年第1批', '2025年第2批']],
        [y, 36_000, 1, ['2025年第1批']],
        [z, 28_000, 1, ['2025年第2批']],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    t.equal(all.json().next, null);

    const page1 = await app.inject({
      method: 'GET',
      url: '/v1/assistance-totals?regionCode=500230&year=2025&limit=2',
      headers: county.headers,
    });
    t.equal(page1.json().items.length, 2);
    const page2 = await app.inject({
      method: 'GET',
      url: `/v1/assistance-totals?regionCode=500230&year=2025&limit=2&after=${page1.json().next}`,
      headers: county.headers,
    });
    t.same(
      [...page1.json().items, ...page2.json().items].map((i: { idNumber: string }) => i.idNumber),
      items.map((i) => i.idNumber),
    );
    t.equal(page2.json().next, null);

    const one = await app.inject({
      method: 'GET',
      url: `/v1/assistance-totals?regionCode=500230102&year=2025&idNumber=${x}`,
      headers: admin.headers,
    });
    t.match(one.json().items, [{ idNumber: x, assistanceFen: 40_001 }]);
    const township = await createTestKey(db, 'township-operator', { regionCode: '500230209' });
    const outside = await app.inject({
      method: 'GET',
      url: '/v1/assistance-totals?regionCode=500230102&year=2025',
      headers: township.headers,
    });
    t.equal(outside.statusCode, 403);
  });
});

t.test(
  'an assistance list needs a 代缴金额 and a request batch (or vouchers); a row without a batch is a row error',
  async (t) => {
    const missing = await postImport(
      app,
      county,
      csvOf([
        ['证件号码', '代缴日期'],
        [person(), '2025-01-01'],
      ]),
      'source=assistance-batch&year=2025',
    );
    t.equal(missing.statusCode, 422);
    t.match(missing.json(), { code: 'MISSING_COLUMNS', missing: ['requestBatch', 'assistance'] });
    const res = await postImport(
      app,
      county,
      csvOf([ASSISTANCE_HEADER, ['1', '', person(), '丁', '特困人员', '400', '2025-01-15', V.desheng, '']]),
      'source=assistance-batch&year=2025',
    );
    t.match(res.json(), { counts: { errors: 1 }, errors: [{ line: 2, column: '请款批次', code: 'MISSING_FIELD' }] });
  },
);

t.test('a channel statement: the channel from its 渠道 column (code or name) or from the request', async (t) => {
  const [a, b, c] = [person(), person(), person()];
  const header = ['订单号', '交易时间', '身份证号码', '缴费金额', '渠道', '参保地'];
  // Saved as "CSV UTF-8" by Excel: a byte-order mark in front.
  const res = await postImport(
    app,
    county,
    `\uFEFF${csvOf([
      header,
      ['WX20250101000001', '2025-01-01 08:00:00', a, '400', '微信', V.desheng],
      ['ZFB2025010100001', '2025-01-01 08:00:00', b, '400', 'alipay', V.desheng],
      ['BANK202501010001', '2025-01-01 08:00:00', c, '400', '银行卡', V.desheng],
    ])}`,
    'source=channel&year=2025',
  );
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), {
    counts: { new: 2, errors: 1 },
    errors: [{ line: 4, column: '渠道', code: 'UNKNOWN_CHANNEL' }],
  });
  const byVoucher = new Map((await paymentsOf(db)).map((p) => [p.voucher_number, p]));
  t.match(byVoucher.get('WX20250101000001'), { channel: 'wechat', source: 'channel' });
  t.match(byVoucher.get('ZFB2025010100001'), { channel: 'alipay' });

  // Admin: a person with no enrolment and no village is outside every operator's region.
  const named = await postImport(
    app,
    admin,
    csvOf([header.slice(0, 4), ['YSF2025010100001', '2025-01-01 09:00:00', c, '400']]),
    'source=channel&year=2025&channel=unionpay-quickpass',
  );
  t.equal(named.statusCode, 201, named.body);
  t.match(
    (await paymentsOf(db)).find((p) => p.voucher_number === 'YSF2025010100001'),
    {
      channel: 'unionpay-quickpass',
      status: 'parked',
    },
  );
  const unknown = await postImport(app, county, csvOf([header]), 'source=channel&year=2025&channel=no-such-channel');
  t.equal(unknown.statusCode, 422);
  t.equal(unknown.json().code, 'UNKNOWN_CHANNEL');
  const without = await postImport(app, county, csvOf([header.slice(0, 4)]), 'source=channel&year=2025');
  t.match(without.json(), { code: 'MISSING_COLUMNS', missing: ['channel'] });
});
