import { createTestDatabase } from '@rmi/db';
import { maxOutboxId, outboxSince } from '@rmi/outbox/testing';
import { checkCharacter } from '@rmi/rules';
import { buildApp, createApiKeysRepository, createTestKey, testConfig } from '@rmi/service-kit';
import t from 'tap';
import paymentApp, { PaymentConfigSchema, SERVICE } from '../src/app.js';

// The cash ledger of 000_9c4e2275e911b0e9.txt#附件3 items 4 and 5: signed receipts, each a payment
// on channel cash, banked by deposits. No SERVICE_API_KEY: payments stay `recorded`, nothing is
// applied to enrollment.

const VILLAGE = '500230209200';
const tdb = await createTestDatabase();
const app = await buildApp(SERVICE, paymentApp, { db: tdb.db, config: testConfig({}, PaymentConfigSchema) });
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});

const keys = createApiKeysRepository(tdb.db);
async function collectorKey(name: string, village = VILLAGE) {
  const row = await keys.create({ name, role: 'collector', regionCode: village });
  return { authorization: `Bearer ${row.key}` };
}

let serial = 0;
/** A valid ID number of a person registered in Fengdu (500230). */
function idNumber(): string {
  serial += 1;
  const first17 = `50023019800101${String(serial).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

function receiptBody(receiptNumber: string, over: Record<string, unknown> = {}) {
  return {
    receiptNumber,
    idNumber: idNumber(),
    year: 2024,
    tier: 1,
    amountFen: 38000,
    receivedAt: '2024-03-01T10:00:00+08:00',
    payerName: '张三',
    signedByPayer: true,
    signedByCollector: true,
    ...over,
  };
}

const post = (url: string, headers: Record<string, string>, payload: unknown) =>
  app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });

t.test('a signed receipt is a payment on channel cash, with the collector’s name in the ledger', async (t) => {
  const headers = await collectorKey('收款员 李四');
  const before = await maxOutboxId(tdb.db, 'payment');
  const body = receiptBody('XJ-0001', { agentName: '张三之子' });
  const res = await post('/v1/cash-receipts', headers, body);
  t.equal(res.statusCode, 201);
  const answer = res.json();
  t.match(answer, { receiptNumber: 'XJ-0001', paymentId: String, status: 'recorded' });
  t.notOk('problem' in answer);

  const payment = await tdb.db
    .selectFrom('payment.payments')
    .selectAll()
    .where('id', '=', answer.paymentId)
    .executeTakeFirstOrThrow();
  t.match(payment, {
    channel: 'cash',
    voucher_number: 'XJ-0001',
    source: 'cash',
    id_number: body.idNumber,
    year: 2024,
    tier: 1,
    amount_fen: 38000,
    paid_on: '2024-03-01',
    village_code: VILLAGE,
    payer_name: '张三',
    status: 'recorded',
  });
  t.equal(new Date(payment.paid_at).toISOString(), '2024-03-01T02:00:00.000Z', 'paid when the cash was received');

  const receipt = await tdb.db
    .selectFrom('payment.cash_receipts')
    .selectAll()
    .where('receipt_number', '=', 'XJ-0001')
    .executeTakeFirstOrThrow();
  t.match(receipt, {
    payment_id: answer.paymentId,
    collector_name: '收款员 李四',
    village_code: VILLAGE,
    received_on: '2024-03-01',
    agent_name: '张三之子',
    deposit_id: null,
  });

  const events = await outboxSince(tdb.db, 'payment', before);
  t.same(
    events.map((e) => e.topic),
    ['payment.recorded', 'cash.received'],
  );
  t.same(events[1]?.payload, {
    receiptNumber: 'XJ-0001',
    paymentId: answer.paymentId,
    collector: '收款员 李四',
    villageCode: VILLAGE,
    amountFen: 38000,
    receivedOn: '2024-03-01',
  });
});

t.test('a receipt not signed by both is refused, naming each missing signature', async (t) => {
  const headers = await collectorKey('收款员 王五');
  const res = await post(
    '/v1/cash-receipts',
    headers,
    receiptBody('XJ-0100', { signedByPayer: false, signedByCollector: false }),
  );
  t.equal(res.statusCode, 422);
  t.equal(res.json().code, 'SIGNATURE_MISSING');
  t.same(
    res
      .json()
      .errors.map((e: { path: string }) => e.path)
      .sort(),
    ['body.signedByCollector', 'body.signedByPayer'],
  );
  const one = await post('/v1/cash-receipts', headers, receiptBody('XJ-0101', { signedByCollector: false }));
  t.same(
    one.json().errors.map((e: { path: string }) => e.path),
    ['body.signedByCollector'],
  );
  const kept = await tdb.db
    .selectFrom('payment.payments')
    .select('id')
    .where('voucher_number', 'in', ['XJ-0100', 'XJ-0101'])
    .execute();
  t.same(kept, [], 'no payment either');
});

t.test('a collector records in its own village only; admin names one', async (t) => {
  const headers = await collectorKey('收款员 赵六');
  const res = await post('/v1/cash-receipts', headers, receiptBody('XJ-0200', { villageCode: '500230209201' }));
  t.equal(res.statusCode, 403);
  t.equal(res.json().code, 'OUT_OF_SCOPE');
  const admin = await createTestKey(tdb.db, 'admin');
  const unnamed = await post('/v1/cash-receipts', admin.headers, receiptBody('XJ-0201'));
  t.equal(unnamed.statusCode, 400);
  t.equal(unnamed.json().errors[0].path, 'body.villageCode');
  const named = await post('/v1/cash-receipts', admin.headers, receiptBody('XJ-0201', { villageCode: VILLAGE }));
  t.equal(named.statusCode, 201);
  const operator = await createTestKey(tdb.db, 'county-operator', { regionCode: '500230' });
  t.equal((await post('/v1/cash-receipts', operator.headers, receiptBody('XJ-0202'))).statusCode, 403);
});

t.test('the same receipt twice is one payment; other content under its number is 409', async (t) => {
  const headers = await collectorKey('收款员 孙七');
  const body = receiptBody('XJ-0300');
  const first = await post('/v1/cash-receipts', headers, body);
  const again = await post('/v1/cash-receipts', headers, body);
  t.equal(first.statusCode, 201);
  t.equal(again.statusCode, 200);
  t.same(again.json(), first.json(), 'the first answer');

  const other = await post('/v1/cash-receipts', headers, { ...body, amountFen: 77500, tier: 2 });
  t.equal(other.statusCode, 409);
  t.equal(other.json().code, 'RECEIPT_REUSED');
  const otherCollector = await post('/v1/cash-receipts', await collectorKey('收款员 周八'), body);
  t.equal(otherCollector.statusCode, 409, 'another collector’s receipt book');

  // Sent at once (a retry racing its first attempt): one payment, every answer the same.
  const raced = receiptBody('XJ-0301');
  const answers = await Promise.all(Array.from({ length: 6 }, () => post('/v1/cash-receipts', headers, raced)));
  t.same(answers.map((a) => a.statusCode).sort(), [200, 200, 200, 200, 200, 201]);
  t.equal(new Set(answers.map((a) => a.json().paymentId)).size, 1);
  const payments = await tdb.db
    .selectFrom('payment.payments')
    .select('id')
    .where('channel', '=', 'cash')
    .where('voucher_number', 'in', ['XJ-0300', 'XJ-0301'])
    .execute();
  t.equal(payments.length, 2, 'one payment per receipt');
});

t.test('deposits: the sum must match, a receipt is banked once, the slip is idempotent', async (t) => {
  const headers = await collectorKey('收款员 吴九');
  for (const [n, fen] of [
    ['XJ-0400', 38000],
    ['XJ-0401', 77500],
    ['XJ-0402', 38000],
  ] as const) {
    t.equal((await post('/v1/cash-receipts', headers, receiptBody(n, { amountFen: fen }))).statusCode, 201);
  }
  const deposit = {
    bankSlipNumber: 'YH-0001',
    depositedAt: '2024-03-02T09:30:00+08:00',
    amountFen: 115500,
    receiptNumbers: ['XJ-0401', 'XJ-0400'],
  };

  const short = await post('/v1/cash-deposits', headers, { ...deposit, amountFen: 115000 });
  t.equal(short.statusCode, 422);
  t.match(short.json(), { code: 'DEPOSIT_MISMATCH', expectedFen: 115500 });

  const unknown = await post('/v1/cash-deposits', headers, { ...deposit, receiptNumbers: ['XJ-0400', 'XJ-9999'] });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'RECEIPT_NOT_FOUND');

  const early = await post('/v1/cash-deposits', headers, { ...deposit, depositedAt: '2024-03-01T08:00:00+08:00' });
  t.equal(early.json().code, 'DEPOSIT_BEFORE_RECEIPT', 'cash is banked after it was taken');

  const twice = await post('/v1/cash-deposits', headers, { ...deposit, receiptNumbers: ['XJ-0400', 'XJ-0400'] });
  t.equal(twice.statusCode, 400, 'a receipt listed twice would count twice');

  const before = await maxOutboxId(tdb.db, 'payment');
  const banked = await post('/v1/cash-deposits', headers, deposit);
  t.equal(banked.statusCode, 201);
  t.match(banked.json(), {
    bankSlipNumber: 'YH-0001',
    depositedOn: '2024-03-02',
    amountFen: 115500,
    receiptNumbers: ['XJ-0400', 'XJ-0401'],
  });
  const again = await post('/v1/cash-deposits', headers, deposit);
  t.equal(again.statusCode, 200, 'the same slip again');
  t.same(again.json(), banked.json());

  const events = await outboxSince(tdb.db, 'payment', before);
  t.same(
    events.map((e) => e.topic),
    ['cash.deposited'],
  );
  t.same(events[0]?.payload, {
    depositId: banked.json().depositId,
    collector: '收款员 吴九',
    amountFen: 115500,
    depositedOn: '2024-03-02',
    receiptNumbers: ['XJ-0400', 'XJ-0401'],
  });
  const audit = await tdb.db
    .selectFrom('core.audit_log')
    .select(['action', 'entity_id'])
    .where('action', '=', 'cash.deposit')
    .execute();
  t.same(audit, [{ action: 'cash.deposit', entity_id: banked.json().depositId }]);

  const double = await post('/v1/cash-deposits', headers, {
    bankSlipNumber: 'YH-0002',
    depositedAt: '2024-03-02T11:00:00+08:00',
    amountFen: 76000,
    receiptNumbers: ['XJ-0400', 'XJ-0402'],
  });
  t.equal(double.statusCode, 409);
  t.match(double.json(), { code: 'RECEIPT_ALREADY_DEPOSITED', receiptNumbers: ['XJ-0400'] });

  const slipReused = await post('/v1/cash-deposits', headers, {
    ...deposit,
    amountFen: 38000,
    receiptNumbers: ['XJ-0402'],
  });
  t.equal(slipReused.statusCode, 409);
  t.equal(slipReused.json().code, 'BANK_SLIP_REUSED');

  const stranger = await post('/v1/cash-deposits', await collectorKey('收款员 郑十'), {
    bankSlipNumber: 'YH-0003',
    depositedAt: '2024-03-02T11:00:00+08:00',
    amountFen: 38000,
    receiptNumbers: ['XJ-0402'],
  });
  t.equal(stranger.statusCode, 403, 'another collector’s receipts');
  const held = await tdb.db
    .selectFrom('payment.cash_receipts')
    .select('deposit_id')
    .where('receipt_number', '=', 'XJ-0402')
    .executeTakeFirstOrThrow();
  t.equal(held.deposit_id, null, 'still held');
});

t.test('deposits racing for the same receipts: exactly one takes them', async (t) => {
  const headers = await collectorKey('收款员 钱一');
  const numbers = ['XJ-0500', 'XJ-0501', 'XJ-0502', 'XJ-0503'];
  for (const n of numbers) t.equal((await post('/v1/cash-receipts', headers, receiptBody(n))).statusCode, 201);
  // Overlapping sets, listed in different orders, on different slips.
  const sets = [
    ['XJ-0500', 'XJ-0501', 'XJ-0502'],
    ['XJ-0502', 'XJ-0501', 'XJ-0500'],
    ['XJ-0503', 'XJ-0500'],
    ['XJ-0501', 'XJ-0503'],
    ['XJ-0502', 'XJ-0503', 'XJ-0500', 'XJ-0501'],
  ];
  const answers = await Promise.all(
    sets.map((receiptNumbers, i) =>
      post('/v1/cash-deposits', headers, {
        bankSlipNumber: `YH-05${i}`,
        depositedAt: '2024-03-03T10:00:00+08:00',
        amountFen: 38000 * receiptNumbers.length,
        receiptNumbers,
      }),
    ),
  );
  const statuses = answers.map((a) => a.statusCode);
  t.equal(statuses.filter((s) => s === 201).length, 1, `one wins: ${statuses.join(',')}`);
  t.equal(statuses.filter((s) => s === 409).length, sets.length - 1, 'the others are told the receipts are banked');
  for (const a of answers.filter((a) => a.statusCode === 409)) t.equal(a.json().code, 'RECEIPT_ALREADY_DEPOSITED');

  const winner = answers.find((a) => a.statusCode === 201)!.json();
  const rows = await tdb.db
    .selectFrom('payment.cash_receipts')
    .select(['receipt_number', 'deposit_id'])
    .where('receipt_number', 'in', numbers)
    .orderBy('receipt_number')
    .execute();
  for (const r of rows) {
    t.equal(r.deposit_id, winner.receiptNumbers.includes(r.receipt_number) ? winner.depositId : null, r.receipt_number);
  }
  const deposits = await tdb.db
    .selectFrom('payment.cash_deposits')
    .select('id')
    .where('bank_slip_number', 'like', 'YH-05%')
    .execute();
  t.equal(deposits.length, 1, 'the losers left no deposit behind');

  // The same slip sent twice at once is one deposit, answered to both.
  const more = ['XJ-0510', 'XJ-0511'];
  for (const n of more) await post('/v1/cash-receipts', headers, receiptBody(n));
  const same = {
    bankSlipNumber: 'YH-0510',
    depositedAt: '2024-03-03T12:00:00+08:00',
    amountFen: 76000,
    receiptNumbers: more,
  };
  const pair = await Promise.all([post('/v1/cash-deposits', headers, same), post('/v1/cash-deposits', headers, same)]);
  t.same(pair.map((a) => a.statusCode).sort(), [200, 201]);
  t.equal(pair[0]?.json().depositId, pair[1]?.json().depositId);
});
