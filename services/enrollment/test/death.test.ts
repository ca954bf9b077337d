import { createTestKey, shanghaiToday } from '@rmi/service-kit';
import { sql } from 'kysely';
import t from 'tap';
import { idNumbers, insertPerson, loadCq2026, setup } from './helpers.js';

// One rule on death for registration and payment (src/enrolments/deceased.ts): nothing is enrolled
// or paid as of a day after the person died; the day of death itself counts as lived.
const { app, db } = await setup(t);
// The invented 2026 notice (test/fixtures): a resident pays 420 yuan in tier 1 from 2026-03-01.
await loadCq2026(db);

const LIZI = '500230209';
const LIZI_VILLAGE = '500230209200';
const lizi = await createTestKey(db, 'township-operator', { regionCode: LIZI });
const service = await createTestKey(db, 'service');
const idNumber = idNumbers();

const person = (diedOn: string | null = null) => insertPerson(db, idNumber(), { village: LIZI_VILLAGE, diedOn });

const pay = (paymentId: string, idNumber: string, paidOn: string) =>
  app.inject({
    method: 'PUT',
    url: `/v1/enrolment-payments/${paymentId}`,
    headers: service.headers,
    payload: { idNumber, year: 2026, paidOn, amountFen: 42000 },
  });
const register = (idNumber: string) =>
  app.inject({ method: 'POST', url: '/v1/enrolments', headers: lizi.headers, payload: { idNumber, year: 2026 } });
const enrolment = (id: string) =>
  db
    .selectFrom('enrollment.enrolments')
    .selectAll()
    .where('id_number', '=', id)
    .where('year', '=', 2026)
    .executeTakeFirst();
const paidEvents = async (id: string) =>
  (await db.selectFrom('enrollment.outbox').select('payload').where('topic', '=', 'enrolment.paid').execute()).filter(
    (r) => (r.payload as { idNumber?: string }).idNumber === id,
  ).length;

t.test('a payment dated after the death is refused 409 PERSON_DECEASED and leaves nothing', async (t) => {
  const id = await person('2026-03-05');
  const res = await pay('DEATH-AFTER-1', id, '2026-03-10');
  t.equal(res.statusCode, 409);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  t.match(res.json(), { code: 'PERSON_DECEASED', diedOn: '2026-03-05' });
  t.notMatch(res.json().detail, id, 'the ID number only masked');
  t.equal(await enrolment(id), undefined, 'paying did not register them either (缴费即参保 needs the living)');
  t.equal(await paidEvents(id), 0, 'no event');

  // Registered before dying: the registration stays unpaid.
  const registered = await person();
  t.equal((await register(registered)).statusCode, 201);
  await db
    .updateTable('enrollment.persons')
    .set({ died_on: '2026-03-05' })
    .where('id_number', '=', registered)
    .execute();
  t.match((await pay('DEATH-AFTER-2', registered, '2026-04-01')).json(), { status: 409, code: 'PERSON_DECEASED' });
  t.match(await enrolment(registered), { status: 'registered', payment_id: null });
});

t.test('a payment on the day of death, or before it but applied later, is applied', async (t) => {
  const onTheDay = await person('2026-03-10');
  const res = await pay('DEATH-SAME-DAY', onTheDay, '2026-03-10');
  t.equal(res.statusCode, 201);
  t.match(res.json(), { applied: true, enrolment: { paidOn: '2026-03-10', paymentId: 'DEATH-SAME-DAY' } });

  // Paid at the window on 2026-03-10, died on 2026-03-20, reconciled afterwards.
  const before = await person('2026-03-20');
  t.equal((await pay('DEATH-BEFORE', before, '2026-03-10')).statusCode, 201);
  t.equal((await pay('DEATH-BEFORE', before, '2026-03-10')).statusCode, 200, 'and stays idempotent');
});

t.test('registration and payment agree: one status, one code, the same rule of the day', async (t) => {
  const dead = await person('2026-03-05');
  const registration = await register(dead);
  const payment = await pay('DEATH-AGREE', dead, '2026-03-06');
  t.equal(registration.statusCode, 409);
  t.equal(payment.statusCode, 409);
  t.equal(registration.json().code, 'PERSON_DECEASED');
  t.equal(payment.json().code, 'PERSON_DECEASED');

  // Registration is as of today: someone who died today may still be registered today.
  const today = await person(shanghaiToday());
  t.equal((await register(today)).statusCode, 201);

  // A death recorded in error and cleared: the same requests now succeed (a conflict, not a bad request).
  const cleared = await app.inject({
    method: 'PATCH',
    url: `/v1/persons/${dead}`,
    headers: lizi.headers,
    payload: { diedOn: null },
  });
  t.equal(cleared.statusCode, 200);
  t.equal((await pay('DEATH-AGREE', dead, '2026-03-06')).statusCode, 201);
});

t.test('a death being recorded while a payment arrives: the payment waits for it, then is refused', async (t) => {
  const id = await person();
  let answered = false;
  let payment: ReturnType<typeof pay> | undefined;
  await db.transaction().execute(async (trx) => {
    // The death is written but not yet committed, as a PATCH holds it.
    await trx.updateTable('enrollment.persons').set({ died_on: '2026-03-05' }).where('id_number', '=', id).execute();
    payment = pay('DEATH-RACE', id, '2026-03-10');
    void payment.then(() => {
      answered = true;
    });
    // Until the payment's session waits on the person's row.
    for (let i = 0; i < 250; i++) {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
      if ((rows[0]?.n ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    t.notOk(answered, 'no answer while the death is uncommitted');
  });
  const res = await payment;
  t.equal(res?.statusCode, 409, 'it saw the death once committed');
  t.match(res?.json(), { code: 'PERSON_DECEASED' });
  t.equal(await enrolment(id), undefined);
});

t.test('20 concurrent payments for a person who died before their day: all refused, nothing written', async (t) => {
  const id = await person('2026-03-05');
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => pay(i % 2 ? 'DEATH-MANY-SAME' : `DEATH-MANY-${i}`, id, '2026-03-10')),
  );
  t.same(
    answers.map((a) => `${a.statusCode} ${a.json().code}`),
    Array.from({ length: 20 }, () => '409 PERSON_DECEASED'),
  );
  t.equal(await enrolment(id), undefined);
  t.equal(await paidEvents(id), 0);
  const audited = await db
    .selectFrom('core.audit_log')
    .select('id')
    .where('entity_id', '=', `${id.slice(0, 6)}********${id.slice(-4)}/2026`)
    .execute();
  t.same(audited, [], 'no audit row for a refused payment');
});
