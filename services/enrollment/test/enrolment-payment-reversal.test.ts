import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { idNumbers, insertPerson, loadCq2026, setup } from './helpers.js';

// POST /v1/enrolment-payments/{paymentId}/reversal: a payment reversed (冲正) makes the enrolment
// it paid unpaid again, a transition paid → registered with its audit row and its event.
const { app, db } = await setup(t);
// The invented 2026 notice (test/fixtures): a resident pays 420 yuan in tier 1.
await loadCq2026(db);

const LIZI = '500230209';
const LIZI_VILLAGE = '500230209200';
const service = await createTestKey(db, 'service');
const lizi = await createTestKey(db, 'township-operator', { regionCode: LIZI });
const idNumber = idNumbers();
const person = () => insertPerson(db, idNumber(), { village: LIZI_VILLAGE });

const pay = (paymentId: string, id: string, paidOn = '2026-03-10') =>
  app.inject({
    method: 'PUT',
    url: `/v1/enrolment-payments/${paymentId}`,
    headers: service.headers,
    payload: { idNumber: id, year: 2026, paidOn, amountFen: 42000, identities: [] },
  });
const reverse = (paymentId: string, payload: Record<string, unknown> = REVERSAL, headers = service.headers) =>
  app.inject({ method: 'POST', url: `/v1/enrolment-payments/${paymentId}/reversal`, headers, payload });
const REVERSAL = { reversedOn: '2026-03-12', reason: '税务冲正：重复扣款' };

const unpaidEvents = async (paymentId: string) =>
  (await db.selectFrom('enrollment.outbox').select('payload').where('topic', '=', 'enrolment.unpaid').execute())
    .map((r) => r.payload as Record<string, unknown>)
    .filter((p) => p.paymentId === paymentId);
const unpaidAudits = async (paymentId: string) =>
  (
    await db
      .selectFrom('core.audit_log')
      .select(['entity_id', 'details', 'region_code'])
      .where('action', '=', 'enrolment.unpaid')
      .execute()
  ).filter((a) => (a.details as { paymentId?: string }).paymentId === paymentId);
const masked = (id: string) => `${id.slice(0, 6)}********${id.slice(-4)}/2026`;

t.test('a reversal unpays the enrolment; a new payment with a new id pays it again', async (t) => {
  const id = await person();
  const paid = await pay('REV-1', id);
  t.equal(paid.statusCode, 201);
  t.match(paid.json().enrolment, { status: 'covered', paymentId: 'REV-1', personalFen: 42000 });

  const res = await reverse('REV-1');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /application\/json/);
  t.match(res.json(), {
    reversed: true,
    enrolment: {
      idNumber: id,
      year: 2026,
      status: 'registered',
      paymentId: null,
      paidFen: null,
      paidOn: null,
      personalFen: null,
      standardFen: null,
      assistanceFen: null,
      policyId: null,
      benefitStart: null,
      benefitEnd: null,
      waitingDays: null,
      identities: [],
      reasons: [],
    },
  });
  const fact = await db
    .selectFrom('enrollment.v_enrollment_facts')
    .select(['status', 'stored_status', 'paid_fen', 'benefit_start'])
    .where('id_number', '=', id)
    .where('year', '=', 2026)
    .executeTakeFirst();
  t.same(fact, { status: 'registered', stored_status: 'registered', paid_fen: null, benefit_start: null });
  const read = await app.inject({ url: `/v1/enrolments/${id}/2026`, headers: lizi.headers });
  t.same(read.json(), res.json().enrolment, 'read back as answered');
  const listed = await app.inject({
    url: `/v1/enrolments?year=2026&regionCode=${LIZI_VILLAGE}&status=registered&limit=500`,
    headers: lizi.headers,
  });
  t.ok(
    listed.json().items.some((e: { idNumber: string }) => e.idNumber === id),
    'listed as registered',
  );

  t.same(await unpaidEvents('REV-1'), [
    { idNumber: id, year: 2026, regionCode: LIZI_VILLAGE, paymentId: 'REV-1', reversedOn: '2026-03-12' },
  ]);
  const audits = await unpaidAudits('REV-1');
  t.equal(audits.length, 1, 'one audit row');
  t.match(audits[0], {
    entity_id: masked(id),
    region_code: LIZI_VILLAGE,
    details: {
      from: 'paid',
      to: 'registered',
      paymentId: 'REV-1',
      reversedOn: '2026-03-12',
      reason: REVERSAL.reason,
      paidOn: '2026-03-10',
      paidFen: 42000,
      personalFen: 42000,
      standardFen: 42000,
      policyId: 'cq-2026',
      benefitStart: paid.json().enrolment.benefitStart,
    },
  });
  t.notMatch(JSON.stringify(audits), id, 'the ID number only masked');

  const again = await reverse('REV-1');
  t.equal(again.statusCode, 200);
  t.same(again.json(), { reversed: false, enrolment: res.json().enrolment }, 'the same reversal changes nothing');
  t.equal((await unpaidEvents('REV-1')).length, 1, 'no second event');
  t.equal((await unpaidAudits('REV-1')).length, 1, 'no second audit row');

  const reapplied = await pay('REV-1', id);
  t.equal(reapplied.statusCode, 409, 'a reversed payment id is not applied again');
  t.match(reapplied.json(), { code: 'PAYMENT_REVERSED', reversedOn: '2026-03-12' });
  const inBatch = await app.inject({
    method: 'POST',
    url: '/v1/enrolment-payments/batch',
    headers: service.headers,
    payload: { items: [{ paymentId: 'REV-1', idNumber: id, year: 2026, paidOn: '2026-03-10', amountFen: 42000 }] },
  });
  t.match(inBatch.json().results, [{ status: 'refused', code: 'PAYMENT_REVERSED' }]);

  const repaid = await pay('REV-1B', id, '2026-03-20');
  t.equal(repaid.statusCode, 201, 'paid again with a new payment id');
  t.match(repaid.json().enrolment, {
    status: 'covered',
    paymentId: 'REV-1B',
    paidOn: '2026-03-20',
    personalFen: 42000,
    // Fixed anew from the new payment's day (cq-2026 waits two months), not kept from the reversed one.
    benefitStart: '2026-05-20',
  });

  const late = await reverse('REV-1');
  t.equal(late.statusCode, 409, 'the old reversal repeated does not unpay the new payment');
  t.match(late.json(), { code: 'PAID_BY_ANOTHER_PAYMENT', paymentId: 'REV-1B' });
  const second = await reverse('REV-1B', { reversedOn: '2026-03-25', reason: '退款' });
  t.match(second.json(), { reversed: true, enrolment: { status: 'registered' } }, 'the new payment reverses in turn');
});

t.test('refusals: never applied, transferred, bad fields, a key of another role', async (t) => {
  const unknown = await reverse('NEVER-APPLIED');
  t.equal(unknown.statusCode, 404);
  t.match(unknown.headers['content-type'], /application\/problem\+json/);
  t.match(unknown.json(), { code: 'PAYMENT_NOT_FOUND' });

  const worker = await person();
  await pay('REV-T', worker, '2026-01-15');
  const moved = await app.inject({
    method: 'POST',
    url: `/v1/enrolments/${worker}/2026/transfer`,
    headers: lizi.headers,
    payload: { employeeCoverFrom: '2026-10-01' },
  });
  t.match(moved.json(), { status: 'transferred' });
  const transferred = await reverse('REV-T');
  t.equal(transferred.statusCode, 409);
  t.match(transferred.json(), { code: 'INVALID_TRANSITION', status: 'transferred' });
  const row = await db
    .selectFrom('enrollment.enrolments')
    .select(['status', 'payment_id'])
    .where('id_number', '=', worker)
    .executeTakeFirst();
  t.same(row, { status: 'transferred', payment_id: 'REV-T' }, 'unchanged');
  t.equal((await unpaidEvents('REV-T')).length, 0, 'no event');

  const bad = await reverse('REV-T', { reversedOn: '12/03/2026', reason: '  ' });
  t.equal(bad.statusCode, 400);
  t.same(
    bad
      .json()
      .errors.map((e: { path: string }) => e.path)
      .sort(),
    ['body.reason', 'body.reversedOn'],
  );
  const operator = await reverse('REV-T', REVERSAL, lizi.headers);
  t.match(operator.json(), { status: 403, code: 'FORBIDDEN_ROLE' });
});

t.test('20 identical reversals at once reverse the payment once', async (t) => {
  const id = await person();
  t.equal((await pay('REV-RACE', id)).statusCode, 201);
  const answers = await Promise.all(Array.from({ length: 20 }, () => reverse('REV-RACE')));
  t.same(
    answers.map((a) => a.statusCode).filter((s) => s !== 200),
    [],
    'every one answered 200',
  );
  t.equal(answers.filter((a) => a.json().reversed === true).length, 1, 'one reversed it');
  t.equal(answers.filter((a) => a.json().reversed === false).length, 19, 'the rest found it reversed');
  for (const a of answers) t.match(a.json().enrolment, { status: 'registered', paymentId: null });
  t.equal((await unpaidEvents('REV-RACE')).length, 1, 'one event');
  t.equal((await unpaidAudits('REV-RACE')).length, 1, 'one audit row');
  const kept = await db
    .selectFrom('enrollment.payment_reversals')
    .selectAll()
    .where('payment_id', '=', 'REV-RACE')
    .execute();
  t.match(kept, [{ id_number: id, year: 2026, paid_fen: 42000, paid_on: '2026-03-10', reversed_on: '2026-03-12' }]);
});

t.test('a reversal and a new payment sent at once leave one consistent enrolment', async (t) => {
  for (let round = 0; round < 5; round += 1) {
    const id = await person();
    await pay(`RACE-OLD-${round}`, id);
    const [reversal, payment] = await Promise.all([reverse(`RACE-OLD-${round}`), pay(`RACE-NEW-${round}`, id)]);
    t.equal(reversal.statusCode, 200);
    t.equal(reversal.json().reversed, true);
    const row = await db
      .selectFrom('enrollment.enrolments')
      .select(['status', 'payment_id'])
      .where('id_number', '=', id)
      .executeTakeFirstOrThrow();
    if (payment.statusCode === 201) {
      t.same(row, { status: 'paid', payment_id: `RACE-NEW-${round}` }, 'paid again after the reversal');
    } else {
      t.match(payment.json(), { status: 409, code: 'ALREADY_PAID' });
      t.same(row, { status: 'registered', payment_id: null }, 'reversed after the refused payment');
    }
  }
});

t.test('the reversed registration of a person who has died is cancelled as of the death', async (t) => {
  const id = await person();
  await pay('REV-DEATH', id);
  await db.updateTable('enrollment.persons').set({ died_on: '2026-04-01' }).where('id_number', '=', id).execute();
  const res = await reverse('REV-DEATH', { reversedOn: '2026-04-10', reason: '银行退票' });
  t.equal(res.statusCode, 200);
  t.match(res.json(), {
    reversed: true,
    enrolment: { status: 'cancelled', cancelReason: 'death', cancelledOn: '2026-04-01', paymentId: null },
  });
  t.equal((await unpaidEvents('REV-DEATH')).length, 1);
  const cancelled = (
    await db.selectFrom('enrollment.outbox').select('payload').where('topic', '=', 'enrolment.cancelled').execute()
  ).filter((r) => (r.payload as { idNumber: string }).idNumber === id);
  t.equal(cancelled.length, 1, 'announced as cancelled too');
  // Paid on or before the day of death, a payment still applies to it (enrolments/deceased.ts).
  const repaid = await pay('REV-DEATH-2', id, '2026-03-15');
  t.match(repaid.json(), { applied: true, enrolment: { status: 'covered', paymentId: 'REV-DEATH-2' } });
});
