import { PAYMENT_EVENTS } from '@rmi/contracts';
import { maxOutboxId, outboxSince } from '@rmi/outbox/testing';
import t from 'tap';
import { count, paymentsOf, postImport, reversalsOf, setupImports } from './fixtures/imports-setup.js';
import { csvOf, idNumbers, TAX_HEADER, type TaxRow, taxCells, taxCsv, V, XLSX, xlsxOf } from './fixtures/tax-export.js';

// contracts/payments.md "Importing exports": the tax bureau's export, as Excel saves it, recorded
// row by row, exactly once.

const { app, db, tax, admin } = await setupImports(t);
const person = idNumbers(100);

t.test('amounts as spreadsheets write them become exact fen, never through a float', async (t) => {
  const ids = [person(), person(), person(), person()];
  const rows: TaxRow[] = [
    {
      voucher: '320250100000000001',
      paidAt: '2025-01-05 10:00:00',
      idNumber: ids[0]!,
      amount: '0.30000000000000004',
      total: '0.30000000000000004',
      region: V.desheng,
    },
    {
      voucher: '320250100000000002',
      paidAt: '2025-01-05 10:01:00',
      idNumber: ids[1]!,
      amount: '1,234.50',
      region: V.desheng,
    },
    {
      voucher: '320250100000000003',
      paidAt: '2025-01-05 10:02:00',
      idNumber: ids[2]!,
      amount: '75.99999999999999',
      assistance: '304.00',
      total: '380',
      region: V.pingan,
    },
    {
      voucher: '320250100000000004',
      paidAt: '2025/1/5 10:03',
      idNumber: ids[3]!,
      amount: '¥400.00',
      region: V.nanjiang,
    },
  ];
  const res = await postImport(app, tax, taxCsv(rows));
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), {
    status: 'applied',
    rows: 4,
    counts: { new: 4, reversals: 0, unchanged: 0, duplicateRows: 0, parked: 0, errors: 0 },
  });
  const byVoucher = new Map((await paymentsOf(db)).map((p) => [p.voucher_number, p]));
  t.match(byVoucher.get('320250100000000001'), {
    amount_fen: 30,
    assistance_fen: 0,
    channel: 'tax-window',
    source: 'tax',
  });
  t.match(byVoucher.get('320250100000000002'), { amount_fen: 123_450 });
  t.match(byVoucher.get('320250100000000003'), { amount_fen: 7_600, assistance_fen: 30_400, village_code: V.pingan });
  t.match(byVoucher.get('320250100000000004'), { amount_fen: 40_000, paid_on: '2025-01-05', status: 'recorded' });
  t.equal(byVoucher.get('320250100000000004')?.paid_at.toISOString(), '2025-01-05T02:03:00.000Z', 'Shanghai time');
  t.match(byVoucher.get('320250100000000001'), { tax_office_code: '15002300000', line: 2, year: 2025 });
});

t.test(
  'a GB18030 export with 冲正 rows: paired in the file and with an earlier import; run again, nothing changes',
  async (t) => {
    const [a, b, c, d] = [person(), person(), person(), person()];
    const first = taxCsv([
      {
        voucher: '320250200000000001',
        paidAt: '2025-02-01 09:00:00',
        idNumber: a,
        name: '王小明',
        amount: '400.00',
        total: '400.00',
        region: V.desheng,
      },
      {
        voucher: '320250200000000002',
        paidAt: '2025-02-01 09:05:00',
        idNumber: b,
        name: '李四',
        amount: '400.00',
        total: '400.00',
        region: V.desheng,
      },
      {
        voucher: '320250200000000003',
        paidAt: '2025-02-01 09:10:00',
        idNumber: c,
        name: '赵五',
        amount: '120.00',
        assistance: '280.00',
        total: '400.00',
        region: V.pingan,
      },
      // 冲正 of the second line: a red-letter voucher of its own naming the original, amounts negative.
      {
        voucher: '320250200000000099',
        paidAt: '2025-02-03 14:00:00',
        idNumber: b,
        name: '李四',
        amount: '-400.00',
        total: '-400.00',
        reversal: '是',
        original: '320250200000000002',
        region: V.desheng,
      },
      // The third line again, as an export sometimes repeats a row.
      {
        voucher: '320250200000000003',
        paidAt: '2025-02-01 09:10:00',
        idNumber: c,
        name: '赵五',
        amount: '120.00',
        assistance: '280.00',
        total: '400.00',
        region: V.pingan,
      },
    ]);
    const before = await maxOutboxId(db, 'payment');
    const res = await postImport(app, tax, first, 'source=tax&year=2025&fileName=税务导出.csv');
    t.equal(res.statusCode, 201, res.body);
    t.match(res.json(), {
      status: 'applied',
      rows: 5,
      counts: { new: 3, reversals: 1, unchanged: 0, duplicateRows: 1, parked: 0, errors: 0 },
      errors: [],
    });
    t.same(await reversalsOf(db).then((rs) => rs.filter((r) => r.voucher.startsWith('3202502'))), [
      { voucher: '320250200000000002', reversal_voucher: '320250200000000099', reversed_on: '2025-02-03', line: 5 },
    ]);
    // One event per (village, channel, day), payments by the day paid, reversals by the day reversed.
    const events = await outboxSince(db, 'payment', before);
    t.same(
      events.map((e) => e.topic),
      ['payments.imported', 'payments.imported', 'payments.imported'],
    );
    for (const e of events) {
      const schema = PAYMENT_EVENTS[e.topic as keyof typeof PAYMENT_EVENTS];
      t.ok(schema.safeParse(e.payload).success, JSON.stringify(e.payload));
    }
    const group = {
      importId: res.json().importId,
      channel: 'tax-window',
      assistanceFen: 0,
      reversals: 0,
      reversalsFen: 0,
    };
    t.same(
      events.map((e) => e.payload),
      [
        { ...group, villageCode: V.desheng, day: '2025-02-01', payments: 2, paymentsFen: 80_000 },
        { ...group, villageCode: V.pingan, day: '2025-02-01', payments: 1, paymentsFen: 40_000, assistanceFen: 28_000 },
        {
          ...group,
          villageCode: V.desheng,
          day: '2025-02-03',
          payments: 0,
          paymentsFen: 0,
          reversals: 1,
          reversalsFen: 40_000,
        },
      ],
    );

    // A later export voids the first payment (作废 on its own voucher) and brings one more.
    const second = taxCsv([
      {
        voucher: '320250200000000001',
        paidAt: '2025-02-10 08:00:00',
        idNumber: a,
        name: '王小明',
        amount: '400.00',
        total: '400.00',
        reversal: 'Y',
        region: V.desheng,
      },
      {
        voucher: '320250200000000004',
        paidAt: '2025-02-10 08:30:00',
        idNumber: d,
        amount: '400.00',
        region: V.nanjiang,
      },
    ]);
    const later = await postImport(app, tax, second);
    t.equal(later.statusCode, 201, later.body);
    t.match(later.json().counts, { new: 1, reversals: 1, unchanged: 0, errors: 0 });
    t.match(
      (await reversalsOf(db)).find((r) => r.voucher === '320250200000000001'),
      { reversal_voucher: null, reversed_on: '2025-02-10' },
    );

    t.test(
      'the first file again: its payments and reversal unchanged, its repeated line a duplicate, nothing written',
      async (t) => {
        const payments = await count(db, 'payment.payments');
        const reversals = await count(db, 'payment.reversals');
        const outbox = await maxOutboxId(db, 'payment');
        const again = await postImport(app, tax, first);
        t.equal(again.statusCode, 200, again.body);
        t.match(again.json(), {
          status: 'unchanged',
          counts: { new: 0, reversals: 0, unchanged: 4, duplicateRows: 1, parked: 0, errors: 0 },
        });
        t.equal(await count(db, 'payment.payments'), payments);
        t.equal(await count(db, 'payment.reversals'), reversals);
        t.equal(await maxOutboxId(db, 'payment'), outbox, 'no event');
        const progress = await app.inject({
          method: 'GET',
          url: `/v1/payment-imports/${again.json().importId}`,
          headers: tax.headers,
        });
        t.equal(progress.statusCode, 200);
        t.match(progress.json(), { status: 'unchanged', rows: 5, counts: { unchanged: 4 } });
      },
    );
  },
);

t.test('an XLSX workbook: a title above the header, units in headers, text-guarded cells', async (t) => {
  const [a, b] = [person(), person()];
  const workbook = await xlsxOf([
    ['丰都县2025年城乡居民医保缴费明细'],
    [],
    ['电子税票号码', '缴费时间', '证件号码', '姓名', '个人缴费金额（元）', '资助金额(元)', '合计(元)', '统筹地区'],
    ["'320250300000000001", '2025-03-01 10:00:00', `'${a}`, '孙六', "'400.00", '0', '400', V.desheng],
    ['\t320250300000000002', '2025-03-01 11:00:00', `\t${b}`, '周七', '\t380.00', "'20.00", '400.00', `\t${V.pingan}`],
    ['320250300000000003', '2025-03-01 12:00:00', b.slice(0, 15), '周七', 400, 0, 400, V.pingan],
  ]);
  const res = await postImport(app, admin, workbook, 'source=tax&year=2025', XLSX);
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { rows: 3, counts: { new: 2, errors: 1 } });
  // A 15-digit number is an old ID number: upgraded, then refused for the wrong birth century.
  t.match(res.json().errors, [{ line: 6, column: '证件号码', code: 'INVALID_ID_NUMBER' }]);
  const byVoucher = new Map((await paymentsOf(db)).map((p) => [p.voucher_number, p]));
  t.match(byVoucher.get('320250300000000001'), { id_number: a, amount_fen: 40_000, village_code: V.desheng, line: 4 });
  t.match(byVoucher.get('320250300000000002'), {
    id_number: b,
    amount_fen: 38_000,
    assistance_fen: 2_000,
    village_code: V.pingan,
  });
});

t.test('every bad cell is a row error with its line and column; the good rows are recorded', async (t) => {
  const ids = Array.from({ length: 12 }, () => person());
  const good = (n: number, over: Partial<TaxRow> = {}): TaxRow => ({
    voucher: `3202504000000000${String(n).padStart(2, '0')}`,
    paidAt: '2025-04-01 10:00:00',
    idNumber: ids[n]!,
    amount: '400.00',
    total: '400.00',
    region: V.desheng,
    ...over,
  });
  const badChecksum = `${ids[1]!.slice(0, 17)}${ids[1]!.endsWith('5') ? '6' : '5'}`;
  const rows: TaxRow[] = [
    good(0), // line 2
    good(1, { idNumber: badChecksum }), // 3
    good(2, { idNumber: '5.00230E+17' }), // 4
    good(3, { voucher: '' }), // 5
    good(4, { amount: '四百元', total: '' }), // 6
    good(5, { paidAt: '2025-13-45' }), // 7
    good(6, { reversal: '也许' }), // 8
    good(7, { reversal: '是', original: '329999999999999999' }), // 9
    good(8, { voucher: '320250400000000000', amount: '300.00', total: '300.00' }), // 10: voucher of line 2, other content
    good(9, { periodStart: '2024-01-01', periodEnd: '2024-12-31' }), // 11
    good(10, { amount: '-400.00', total: '-400.00' }), // 12
    good(11, { amount: '400.00', assistance: '0', total: '380.00', paidAt: '' }), // 13: two bad cells
  ];
  const res = await postImport(app, tax, taxCsv(rows));
  t.equal(res.statusCode, 201, res.body);
  const body = res.json();
  t.match(body.counts, { new: 1, errors: 11 });
  const seen = body.errors.map(
    (e: { line: number; column: string; code: string }) => `${e.line} ${e.column} ${e.code}`,
  );
  t.same(seen, [
    '3 证件号码 INVALID_ID_NUMBER',
    '4 证件号码 ID_NUMBER_MANGLED',
    '5 电子税票号码 MISSING_FIELD',
    '6 个人缴费金额(元) AMOUNT_INVALID',
    '7 缴费时间 INVALID_DATE',
    '8 作废标志 INVALID_VALUE',
    '9 原税票号码 REVERSAL_UNMATCHED',
    '10 电子税票号码 VOUCHER_REUSED',
    '11 费款所属期起 YEAR_MISMATCH',
    '11 费款所属期止 YEAR_MISMATCH',
    '12 个人缴费金额(元) AMOUNT_INVALID',
    '13 合计 AMOUNT_INVALID',
    '13 缴费时间 MISSING_FIELD',
  ]);
  t.match(body.errorsUrl, `/v1/payment-imports/${body.importId}/errors`);

  const csv = await app.inject({ method: 'GET', url: body.errorsUrl, headers: tax.headers });
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /^text\/csv/);
  const lines = csv.body
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/);
  t.equal(lines[0], ['行号 line', '列 column', '错误代码 code', '原因 message', ...TAX_HEADER].join(','));
  t.equal(lines.length, 1 + 13, 'one line per error');
  t.match(lines[1], new RegExp(`^3,证件号码,INVALID_ID_NUMBER,.*,${badChecksum},`));
  t.match(
    lines.find((l) => l.startsWith('6,')),
    /,四百元,/,
    'the cells as sent',
  );
});

t.test('a voucher recorded before with other content is VOUCHER_REUSED; the rest of the file counts', async (t) => {
  const [a, b] = [person(), person()];
  const first = await postImport(
    app,
    tax,
    taxCsv([
      { voucher: '320250500000000001', paidAt: '2025-05-01 10:00:00', idNumber: a, amount: '400', region: V.desheng },
    ]),
  );
  t.equal(first.statusCode, 201, first.body);
  const second = await postImport(
    app,
    tax,
    taxCsv([
      { voucher: '320250500000000001', paidAt: '2025-05-01 10:00:00', idNumber: b, amount: '400', region: V.desheng },
      { voucher: '320250500000000002', paidAt: '2025-05-02', idNumber: b, amount: '400', region: V.desheng },
    ]),
  );
  t.equal(second.statusCode, 201, second.body);
  t.match(second.json(), {
    counts: { new: 1, errors: 1 },
    errors: [{ line: 2, column: '电子税票号码', code: 'VOUCHER_REUSED' }],
  });
  t.match(
    (await paymentsOf(db)).find((p) => p.voucher_number === '320250500000000001'),
    { id_number: a },
  );
});

t.test('a dry run counts what it would record, and records nothing', async (t) => {
  const payments = await count(db, 'payment.payments');
  const outbox = await maxOutboxId(db, 'payment');
  const rows = [
    {
      voucher: '320250600000000001',
      paidAt: '2025-06-01 10:00:00',
      idNumber: person(),
      amount: '400',
      region: V.desheng,
    },
    { voucher: '320250600000000002', paidAt: '2025-06-01 10:00:00', idNumber: 'x', amount: '400', region: V.desheng },
  ];
  const res = await postImport(app, tax, taxCsv(rows), 'source=tax&year=2025&dryRun=true');
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), {
    status: 'dry-run',
    counts: { new: 1, errors: 1 },
    errors: [{ line: 3, code: 'INVALID_ID_NUMBER' }],
  });
  t.equal(await count(db, 'payment.payments'), payments);
  t.equal(await maxOutboxId(db, 'payment'), outbox);
});

t.test('onRowErrors=reject records nothing when a row is bad, and lists the bad rows', async (t) => {
  const payments = await count(db, 'payment.payments');
  const rows = [
    {
      voucher: '320250700000000001',
      paidAt: '2025-07-01 10:00:00',
      idNumber: person(),
      amount: '400',
      region: V.desheng,
    },
    { voucher: '320250700000000002', paidAt: 'yesterday', idNumber: person(), amount: '400', region: V.desheng },
  ];
  const res = await postImport(app, tax, taxCsv(rows), 'source=tax&year=2025&onRowErrors=reject');
  t.equal(res.statusCode, 422, res.body);
  t.match(res.json(), {
    status: 'rejected',
    counts: { errors: 1 },
    errors: [{ line: 3, column: '缴费时间', code: 'INVALID_DATE' }],
  });
  t.equal(await count(db, 'payment.payments'), payments);
});

t.test('a file without the columns an export needs is refused, naming them', async (t) => {
  const res = await postImport(
    app,
    tax,
    csvOf([
      ['证件号码', '姓名'],
      [person(), '张三'],
    ]),
  );
  t.equal(res.statusCode, 422);
  t.match(res.json(), { code: 'MISSING_COLUMNS', missing: ['paidAt', 'voucher', 'amount'] });
  const garbage = await postImport(app, tax, Buffer.from([0, 1, 2, 3, 0, 0]));
  t.equal(garbage.statusCode, 400);
  t.equal(garbage.json().code, 'FILE_UNREADABLE');
  const cells = taxCells({ voucher: '1', paidAt: '2025-01-01', idNumber: person(), amount: '1' });
  t.equal(cells.length, TAX_HEADER.length);
});
