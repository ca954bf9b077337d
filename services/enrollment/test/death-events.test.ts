import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { idNumbers, insertPerson, loadCq2026, setup } from './helpers.js';

// Deaths reach enrollment through subsidy-identity's outbox (contracts/identity-feeds.md, "Deaths"):
// POST /v1/events stores each event once and, in the same transaction, acts on new `person.died`
// events: diedOn recorded, unpaid registrations cancelled with reason `death`, paid ones kept.
const { app, db } = await setup(t);
// The invented 2026 notice (test/fixtures): 420 yuan in tier 1, periods up to 2026-08-31.
await loadCq2026(db);

const LIZI_VILLAGE = '500230209200';
const service = await createTestKey(db, 'service');
const lizi = await createTestKey(db, 'township-operator', { regionCode: '500230209' });
const idNumber = idNumbers();
const person = (diedOn: string | null = null) => insertPerson(db, idNumber(), { village: LIZI_VILLAGE, diedOn });

let nextId = 1;
const died = (id: string, diedOn: string, eventId = nextId++) => ({
  id: eventId,
  topic: 'person.died',
  payload: { idNumber: id, diedOn, department: 'health' },
  createdAt: '2026-11-20T02:00:00.000Z',
});
type Event = ReturnType<typeof died> | { id: number; topic: string; payload: object; createdAt: string };
const deliver = (events: Event[], headers: Record<string, string> = service.headers) =>
  app.inject({
    method: 'POST',
    url: '/v1/events',
    headers,
    payload: { source: 'subsidy-identity', events },
  });

const register = async (id: string, year: number) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/enrolments',
    headers: lizi.headers,
    payload: { idNumber: id, year },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
};
const pay = (paymentId: string, id: string, year: number, paidOn: string, amountFen: number) =>
  app.inject({
    method: 'PUT',
    url: `/v1/enrolment-payments/${paymentId}`,
    headers: service.headers,
    payload: { idNumber: id, year, paidOn, amountFen },
  });
const enrolment = (id: string, year: number) =>
  db
    .selectFrom('enrollment.enrolments')
    .selectAll()
    .where('id_number', '=', id)
    .where('year', '=', year)
    .executeTakeFirstOrThrow();
const diedOn = async (id: string) =>
  (await db.selectFrom('enrollment.persons').select('died_on').where('id_number', '=', id).executeTakeFirstOrThrow())
    .died_on;
const outboxFor = async (id: string) =>
  (await db.selectFrom('enrollment.outbox').select(['topic', 'payload']).orderBy('id').execute())
    .filter((e) => (e.payload as { idNumber?: string }).idNumber === id)
    .map((e) => ({ topic: e.topic, ...(e.payload as Record<string, unknown>) }));
const masked = (id: string) => `${id.slice(0, 6)}********${id.slice(-4)}`;
const auditFor = (id: string) =>
  db
    .selectFrom('core.audit_log')
    .select(['action', 'entity_id', 'details'])
    .where('entity_id', 'like', `${masked(id)}%`)
    .orderBy('id')
    .execute();
const stored = (eventId: number) =>
  db
    .selectFrom('enrollment.received_events')
    .selectAll()
    .where('source', '=', 'subsidy-identity')
    .where('id', '=', eventId)
    .executeTakeFirst();
const quiet = { applied: 0, enrolmentsCancelled: 0, unknownPersons: 0, invalid: 0 };

t.test('a death sets diedOn, cancels the unpaid 2026 registration and keeps the paid 2025 enrolment', async (t) => {
  const id = await person();
  t.equal((await pay('DEATH-EV-2025', id, 2025, '2024-11-15', 40000)).statusCode, 201);
  await register(id, 2026);
  const paid2025 = await enrolment(id, 2025);
  const event = died(id, '2026-06-01');

  const res = await deliver([event]);
  t.equal(res.statusCode, 200);
  t.same(res.json(), {
    received: 1,
    duplicates: 0,
    deaths: { applied: 1, enrolmentsCancelled: 1, unknownPersons: 0, invalid: 0 },
  });
  t.equal(await diedOn(id), '2026-06-01');
  t.match(await enrolment(id, 2026), { status: 'cancelled', cancel_reason: 'death', cancelled_on: '2026-06-01' });
  t.same(await enrolment(id, 2025), paid2025, 'the paid enrolment keeps its record');

  const person_ = await app.inject({ method: 'GET', url: `/v1/persons/${id}`, headers: lizi.headers });
  t.match(person_.json(), { diedOn: '2026-06-01' });
  const read = await app.inject({ method: 'GET', url: `/v1/enrolments/${id}/2026`, headers: lizi.headers });
  t.match(read.json(), { status: 'cancelled', cancelReason: 'death', cancelledOn: '2026-06-01' });

  const events = (await outboxFor(id)).filter((e) => e.topic === 'person.updated' || e.topic === 'enrolment.cancelled');
  t.same(events, [
    { topic: 'person.updated', idNumber: id, regionCode: LIZI_VILLAGE, fields: ['diedOn'] },
    { topic: 'enrolment.cancelled', idNumber: id, year: 2026, regionCode: LIZI_VILLAGE, status: 'cancelled' },
  ]);
  const audit = await auditFor(id);
  t.same(
    audit.map((a) => a.action).filter((a) => a !== 'enrolment.register' && a !== 'enrolment.pay'),
    ['person.update', 'enrolment.cancelled', 'person.death-report'],
  );
  t.match(audit.at(-1)?.details, {
    department: 'health',
    reportedDiedOn: '2026-06-01',
    diedOn: '2026-06-01',
    enrolmentsCancelled: [2026],
    event: `subsidy-identity/${event.id}`,
  });
  t.notMatch(JSON.stringify(audit), id, 'ID numbers only masked');
  t.match(await stored(event.id), { topic: 'person.died', payload: event.payload });

  // Delivered again (the publisher's answer was lost): counted as a duplicate, nothing changes.
  const before = { outbox: await outboxFor(id), audit: await auditFor(id), e2026: await enrolment(id, 2026) };
  const again = await deliver([event]);
  t.equal(again.statusCode, 200);
  t.same(again.json(), { received: 0, duplicates: 1, deaths: quiet });
  t.same(await outboxFor(id), before.outbox, 'no second event');
  t.same(await auditFor(id), before.audit, 'no second audit row');
  t.same(await enrolment(id, 2026), before.e2026);
});

t.test('two concurrent deliveries of the same batch act once', async (t) => {
  const ids = [await person(), await person(), await person()];
  for (const id of ids) await register(id, 2026);
  const batch = ids.map((id) => died(id, '2026-07-01'));
  const answers = await Promise.all(Array.from({ length: 4 }, () => deliver(batch)));
  t.same(
    answers.map((a) => a.statusCode),
    [200, 200, 200, 200],
  );
  const sum = (pick: (a: Record<string, any>) => number) => answers.reduce((n, a) => n + pick(a.json()), 0);
  t.equal(
    sum((a) => a.received),
    3,
    'each event stored once',
  );
  t.equal(
    sum((a) => a.duplicates),
    9,
    'every other copy a duplicate',
  );
  t.equal(
    sum((a) => a.deaths.applied),
    3,
    'each death acted on once',
  );
  t.equal(
    sum((a) => a.deaths.enrolmentsCancelled),
    3,
  );
  for (const id of ids) {
    t.match(await enrolment(id, 2026), { status: 'cancelled', cancel_reason: 'death', cancelled_on: '2026-07-01' });
    t.equal((await outboxFor(id)).filter((e) => e.topic === 'enrolment.cancelled').length, 1, 'one event');
    t.equal((await auditFor(id)).filter((a) => a.action === 'person.death-report').length, 1, 'one audit row');
  }
});

t.test('unknown topics and other publishers’ topics are stored and left alone', async (t) => {
  const id = await person();
  await register(id, 2026);
  const unknown = {
    id: nextId++,
    topic: 'identity.renamed',
    payload: { anything: true },
    createdAt: '2026-11-20T02:00:00Z',
  };
  const added = {
    id: nextId++,
    topic: 'identity.added',
    payload: {
      idNumber: id,
      identityCode: 'subsistence-allowance',
      department: 'civil-affairs',
      regionCode: LIZI_VILLAGE,
      validFrom: '2026-11-01',
      validTo: null,
      batchId: '0b9f5a52-2b0c-4c4e-9d83-6a3f3c1f0a11',
    },
    createdAt: '2026-11-20T02:00:00Z',
  };
  const res = await deliver([unknown, added]);
  t.equal(res.statusCode, 200);
  t.same(res.json(), { received: 2, duplicates: 0, deaths: quiet });
  t.match(await stored(unknown.id), { topic: 'identity.renamed', payload: { anything: true } });
  t.match(await stored(added.id), { topic: 'identity.added' });
  t.match(await enrolment(id, 2026), { status: 'registered' }, 'nothing acted on');
  t.equal(await diedOn(id), null);
});

t.test('deaths of people enrollment does not know are counted, not refused', async (t) => {
  const known = await person();
  const stranger = idNumber();
  const res = await deliver([died(stranger, '2026-05-01'), died(known, '2026-05-01')]);
  t.equal(res.statusCode, 200);
  t.same(res.json(), {
    received: 2,
    duplicates: 0,
    deaths: { applied: 1, enrolmentsCancelled: 0, unknownPersons: 1, invalid: 0 },
  });
  t.equal(await diedOn(known), '2026-05-01');
  t.same(
    await db.selectFrom('enrollment.persons').select('id_number').where('id_number', '=', stranger).execute(),
    [],
    'no person invented',
  );
});

t.test('a different day already recorded: the earlier one is kept, whatever the order', async (t) => {
  // Registered, then a death recorded by an operator (PATCH diedOn) on 2026-05-01.
  const recordedEarlier = await person();
  await register(recordedEarlier, 2026);
  const setDiedOn = (id: string, day: string) =>
    db.updateTable('enrollment.persons').set({ died_on: day }).where('id_number', '=', id).execute();
  await setDiedOn(recordedEarlier, '2026-05-01');
  const later = await deliver([died(recordedEarlier, '2026-06-15')]);
  t.match(later.json(), { deaths: { applied: 1, enrolmentsCancelled: 1 } });
  t.equal(await diedOn(recordedEarlier), '2026-05-01', 'the recorded earlier day stays');
  t.match(await enrolment(recordedEarlier, 2026), { status: 'cancelled', cancelled_on: '2026-05-01' });
  t.match((await auditFor(recordedEarlier)).at(-1), {
    action: 'person.death-report',
    details: { reportedDiedOn: '2026-06-15', diedOn: '2026-05-01' },
  });
  t.same(
    (await outboxFor(recordedEarlier)).filter((e) => e.topic === 'person.updated'),
    [],
    'the person did not change',
  );

  const recordedLater = await person();
  await register(recordedLater, 2026);
  await setDiedOn(recordedLater, '2026-06-15');
  const earlier = await deliver([died(recordedLater, '2026-05-01')]);
  t.match(earlier.json(), { deaths: { applied: 1, enrolmentsCancelled: 1 } });
  t.equal(await diedOn(recordedLater), '2026-05-01', 'an earlier report replaces a later day');
  t.match(await enrolment(recordedLater, 2026), { cancelled_on: '2026-05-01' });
  t.match(
    (await auditFor(recordedLater)).find((a) => a.action === 'person.update'),
    {
      details: { diedOn: { from: '2026-06-15', to: '2026-05-01' } },
    },
  );
});

t.test('a death that cannot be recorded is stored, counted as invalid, and changes nothing', async (t) => {
  const id = await person();
  await register(id, 2026);
  const future = died(id, '2099-01-01');
  const beforeBirth = died(id, '1970-01-01');
  const unreadable = {
    id: nextId++,
    topic: 'person.died',
    payload: { idNumber: id },
    createdAt: '2026-11-20T02:00:00Z',
  };
  const res = await deliver([future, beforeBirth, unreadable]);
  t.equal(res.statusCode, 200);
  t.same(res.json(), {
    received: 3,
    duplicates: 0,
    deaths: { applied: 0, enrolmentsCancelled: 0, unknownPersons: 0, invalid: 3 },
  });
  t.equal(await diedOn(id), null);
  t.match(await enrolment(id, 2026), { status: 'registered' });
  t.ok(await stored(unreadable.id), 'kept for someone to look at');
});

t.test('a payment made before the death is applied to the registration the death cancelled', async (t) => {
  const id = await person();
  await register(id, 2026);
  t.match((await deliver([died(id, '2026-06-01')])).json(), { deaths: { enrolmentsCancelled: 1 } });
  // Paid at the window on 2026-06-02, after the death: refused as any such payment is.
  t.match((await pay('DEATH-EV-LATE', id, 2026, '2026-06-02', 42000)).json(), {
    status: 409,
    code: 'PERSON_DECEASED',
  });
  // Paid on 2026-05-20, while alive, and reconciled only after the death reached the register.
  const res = await pay('DEATH-EV-PAID', id, 2026, '2026-05-20', 42000);
  t.equal(res.statusCode, 201);
  t.match(res.json().enrolment, { paymentId: 'DEATH-EV-PAID', cancelReason: null, cancelledOn: null });

  t.match(await enrolment(id, 2026), { status: 'paid', cancel_reason: null });

  // A payment and a death racing: whichever commits first, the payment made while alive stands.
  const racing = await person();
  await register(racing, 2026);
  const [payment, delivery] = await Promise.all([
    pay('DEATH-EV-RACE', racing, 2026, '2026-05-20', 42000),
    deliver([died(racing, '2026-06-01')]),
  ]);
  t.equal(payment.statusCode, 201);
  t.equal(delivery.statusCode, 200);
  t.match(await enrolment(racing, 2026), { status: 'paid', payment_id: 'DEATH-EV-RACE' });
  t.equal(await diedOn(racing), '2026-06-01');
});

t.test('only a service key delivers events', async (t) => {
  const id = await person();
  const event = died(id, '2026-05-01');
  for (const role of ['admin', 'county-operator', 'dashboard'] as const) {
    const key = await createTestKey(db, role, role === 'admin' ? {} : { regionCode: '500230' });
    const res = await deliver([event], key.headers);
    t.equal(res.statusCode, 403, role);
    t.equal(res.json().code, 'FORBIDDEN_ROLE');
  }
  const feed = await createTestKey(db, 'department-feed', { department: 'health' });
  t.equal((await deliver([event], feed.headers)).statusCode, 403, 'a department feed');
  t.equal((await deliver([event], {})).statusCode, 401, 'no key');
  t.equal(await stored(event.id), undefined, 'nothing stored');
  t.equal(await diedOn(id), null, 'nothing acted on');

  const doc = await app.inject({ method: 'GET', url: '/docs/json' });
  t.ok(doc.json().paths['/v1/events']?.post, 'documented');
});
