import { createPolicyStore } from '@rmi/db';
import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { effectiveStatus } from '../src/enrolments/enrolment-view.js';
import type { EnrolmentRow } from '../src/enrolments/enrolments.repository.js';
import { idNumbers, insertPerson, loadCq2026, setup } from './helpers.js';

const { app, db } = await setup(t);
// An invented 2026 notice (test/fixtures), loaded before the first request so the service's
// policy cache sees it: its periods put a 2026 enrolment inside its benefit period today.
await loadCq2026(db);

const LIZI = '500230209';
const LIZI_VILLAGE = '500230209200';
const SHETAN_VILLAGE = '500230102001';
const WUYANG_VILLAGE = '500233003001';
const XIAOYI_VILLAGE = '141181001001';

const lizi = await createTestKey(db, 'township-operator', { regionCode: LIZI });
const collector = await createTestKey(db, 'collector', { regionCode: LIZI_VILLAGE });
const dashboard = await createTestKey(db, 'dashboard', { regionCode: '500230' });
const service = await createTestKey(db, 'service');
const admin = await createTestKey(db, 'admin');

const idNumber = idNumbers();

const person = (village = LIZI_VILLAGE, birth = '19800101', category = 'resident' as const) =>
  insertPerson(db, idNumber(birth), { village, category });

const register = (payload: Record<string, unknown>, headers = lizi.headers) =>
  app.inject({ method: 'POST', url: '/v1/enrolments', headers, payload });
const pay = (paymentId: string, payload: Record<string, unknown>, headers = service.headers) =>
  app.inject({ method: 'PUT', url: `/v1/enrolment-payments/${paymentId}`, headers, payload });
const events = async (topic: string) =>
  (await db.selectFrom('enrollment.outbox').select('payload').where('topic', '=', topic).execute()).map(
    (r) => r.payload as Record<string, unknown>,
  );

t.test('a registration is stored once, audited with a masked ID and announced', async (t) => {
  const id = await person();
  const res = await register({ idNumber: id, year: 2026, tier: 2 });
  t.equal(res.statusCode, 201);
  t.match(res.json(), { idNumber: id, year: 2026, regionCode: LIZI_VILLAGE, tier: 2, status: 'registered' });
  const again = await register({ idNumber: id, year: 2026 });
  t.equal(again.statusCode, 409);
  t.match(again.json(), { code: 'ENROLLMENT_EXISTS' });
  const audit = await db.selectFrom('core.audit_log').selectAll().where('action', '=', 'enrolment.register').execute();
  t.ok(audit.some((a) => a.entity_id === `${id.slice(0, 6)}********${id.slice(-4)}/2026`));
  t.notMatch(JSON.stringify(audit), id, 'never the raw ID number');
  t.ok((await events('enrolment.registered')).some((p) => p.idNumber === id));
});

t.test('20 parallel registrations of one person for one year leave exactly one enrolment', async (t) => {
  const id = await person();
  const answers = await Promise.all(Array.from({ length: 20 }, () => register({ idNumber: id, year: 2026 })));
  const codes = answers.map((a) => a.statusCode).sort();
  t.equal(codes.filter((c) => c === 201).length, 1, 'one created');
  t.equal(codes.filter((c) => c === 409).length, 19, 'the rest conflict');
  const rows = await db.selectFrom('enrollment.enrolments').select('year').where('id_number', '=', id).execute();
  t.equal(rows.length, 1);
});

t.test('insurance held elsewhere that year is DUPLICATE_INSURANCE (不重复参保)', async (t) => {
  const employed = await person();
  const reported = await app.inject({
    method: 'PUT',
    url: '/v1/external-coverages',
    headers: service.headers,
    payload: { coverages: [{ idNumber: employed, year: 2026, kind: 'employee', insurer: '丰都县职工医保' }] },
  });
  t.equal(reported.statusCode, 200);
  const res = await register({ idNumber: employed, year: 2026 });
  t.equal(res.statusCode, 409);
  t.match(res.json(), { code: 'DUPLICATE_INSURANCE', kind: 'employee', insurer: '丰都县职工医保' });
  t.notOk(
    await db.selectFrom('enrollment.enrolments').select('year').where('id_number', '=', employed).executeTakeFirst(),
  );

  // Enrolled in Zhong county already; Fengdu may not enrol them again the same year.
  const moved = await person(WUYANG_VILLAGE);
  t.equal((await register({ idNumber: moved, year: 2026 }, admin.headers)).statusCode, 201);
  const second = await register({ idNumber: moved, year: 2026, regionCode: LIZI_VILLAGE });
  t.equal(second.statusCode, 409);
  t.match(second.json(), { code: 'DUPLICATE_INSURANCE', regionCode: WUYANG_VILLAGE });
});

t.test('rejections: unknown person, no policy for the year, a tier the policy lacks, bad fields', async (t) => {
  t.match((await register({ idNumber: idNumber(), year: 2026 })).json(), { status: 404, code: 'PERSON_NOT_FOUND' });
  const id = await person();
  t.match((await register({ idNumber: id, year: 2031 })).json(), { status: 422, code: 'POLICY_NOT_FOUND' });
  const xiaoyi = await person(XIAOYI_VILLAGE);
  t.match((await register({ idNumber: xiaoyi, year: 2024, tier: 2 }, admin.headers)).json(), {
    status: 422,
    code: 'TIER_NOT_OFFERED',
  });
  const bad = await register({ idNumber: '110105194912310021', year: 1999, tier: 3 });
  t.equal(bad.statusCode, 400);
  t.same(
    bad
      .json()
      .errors.map((e: { path: string }) => e.path)
      .sort(),
    ['body.idNumber', 'body.tier', 'body.year'],
  );
});

t.test('scope and roles: another township, a dashboard writing, an operator applying payments', async (t) => {
  const shetan = await person(SHETAN_VILLAGE);
  t.match((await register({ idNumber: shetan, year: 2026 })).json(), { status: 403, code: 'OUT_OF_SCOPE' });
  const id = await person();
  t.match((await register({ idNumber: id, year: 2026 }, dashboard.headers)).json(), {
    status: 403,
    code: 'FORBIDDEN_ROLE',
  });
  t.match(
    (await pay('P-ROLE', { idNumber: id, year: 2026, paidOn: '2026-03-10', amountFen: 42000 }, lizi.headers)).json(),
    {
      status: 403,
      code: 'FORBIDDEN_ROLE',
    },
  );
  t.equal(
    (await register({ idNumber: id, year: 2026 }, collector.headers)).statusCode,
    201,
    'a collector in the village',
  );
});

t.test('applying a payment fixes amounts and cover; the same payment again changes nothing', async (t) => {
  const id = await person();
  await register({ idNumber: id, year: 2026 });
  const body = { idNumber: id, year: 2026, paidOn: '2026-03-10', amountFen: 4200, identities: ['城乡低保对象'] };
  const first = await pay('TAX-2026-0001', body);
  t.equal(first.statusCode, 201);
  // cq-2026 (invented): 90% of 420 yuan for 低保 in tier 1, no waiting period for that group.
  t.match(first.json(), {
    applied: true,
    enrolment: {
      status: 'covered',
      policyId: 'cq-2026',
      standardFen: 42000,
      assistanceFen: 37800,
      assistanceIdentity: 'subsistence-allowance',
      personalFen: 4200,
      paidFen: 4200,
      paymentId: 'TAX-2026-0001',
      benefitStart: '2026-03-10',
      benefitEnd: '2026-12-31',
    },
  });
  t.ok(first.json().enrolment.reasons.length > 0, 'reasons kept');

  const again = await pay('TAX-2026-0001', body);
  t.equal(again.statusCode, 200);
  t.same(again.json().enrolment, first.json().enrolment, 'unchanged');
  t.equal(again.json().applied, false);
  t.equal((await events('enrolment.paid')).filter((p) => p.paymentId === 'TAX-2026-0001').length, 1, 'one event');

  const duplicate = await pay('TAX-2026-0002', body);
  t.equal(duplicate.statusCode, 409);
  t.match(duplicate.json(), { code: 'ALREADY_PAID', paymentId: 'TAX-2026-0001' });
  const reused = await pay('TAX-2026-0001', { ...body, idNumber: await person() });
  t.match(reused.json(), { status: 409, code: 'PAYMENT_ID_REUSED' });
});

t.test('003#五: amounts fixed at payment are not recomputed when the policy changes', async (t) => {
  const id = await person();
  await pay('TAX-FIX-1', { idNumber: id, year: 2026, paidOn: '2026-03-10', amountFen: 42000 });
  const store = createPolicyStore(db);
  const [current] = await store.versions<Record<string, any>>('cq-2026');
  const raised = structuredClone(current?.document) as Record<string, any>;
  raised.standards.resident.tier1Fen = 50000;
  delete raised.assistance;
  await app.inject({ method: 'POST', url: '/v1/policies', headers: admin.headers, payload: raised });
  const after = await app.inject({ method: 'GET', url: `/v1/enrolments/${id}/2026`, headers: lizi.headers });
  t.match(after.json(), { standardFen: 42000, personalFen: 42000, policyId: 'cq-2026' });
  // Restore the version the other tests quote against.
  await app.inject({ method: 'POST', url: '/v1/policies', headers: admin.headers, payload: current?.document });
});

t.test('a payment without a registration registers and pays; wrong amounts and strangers are refused', async (t) => {
  const id = await person();
  const paid = await pay('POS-1', { idNumber: id, year: 2026, paidOn: '2026-01-15', amountFen: 42000 });
  t.equal(paid.statusCode, 201);
  // Paid in Jan–Feb (1st of the next month) but outside the concentrated period: the invented
  // notice's continuity rule of 2 months is longer and wins.
  t.match(paid.json().enrolment, { status: 'covered', regionCode: LIZI_VILLAGE, benefitStart: '2026-03-15' });

  const other = await person();
  const wrong = await pay('POS-2', { idNumber: other, year: 2026, paidOn: '2026-01-15', amountFen: 40000 });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.json(), { code: 'AMOUNT_MISMATCH', expectedFen: 42000, paidFen: 40000 });
  t.notOk(
    await db.selectFrom('enrollment.enrolments').select('year').where('id_number', '=', other).executeTakeFirst(),
    'nothing half-written',
  );

  const stranger = await pay('POS-3', { idNumber: idNumber(), year: 2026, paidOn: '2026-01-15', amountFen: 42000 });
  t.equal(stranger.statusCode, 404);
  t.match(stranger.json(), { code: 'PERSON_NOT_FOUND' });
  const closed = await pay('POS-4', { idNumber: other, year: 2026, paidOn: '2026-09-01', amountFen: 42000 });
  t.match(closed.json(), { status: 422, code: 'ENROLLMENT_CLOSED' });
});

t.test('cancel and transfer move the lifecycle on; impossible moves are 409', async (t) => {
  const id = await person();
  await register({ idNumber: id, year: 2026 });
  const cancelled = await app.inject({
    method: 'POST',
    url: `/v1/enrolments/${id}/2026/cancel`,
    headers: lizi.headers,
    payload: { reason: 'moved', on: '2026-02-01' },
  });
  t.match(cancelled.json(), { status: 'cancelled', cancelReason: 'moved', cancelledOn: '2026-02-01' });
  const twice = await app.inject({
    method: 'POST',
    url: `/v1/enrolments/${id}/2026/cancel`,
    headers: lizi.headers,
    payload: { reason: 'moved', on: '2026-02-01' },
  });
  t.match(twice.json(), { status: 409, code: 'INVALID_TRANSITION' });
  t.match((await pay('POS-C', { idNumber: id, year: 2026, paidOn: '2026-03-10', amountFen: 42000 })).json(), {
    status: 409,
    code: 'ENROLLMENT_NOT_PAYABLE',
  });

  const worker = await person();
  await pay('POS-T', { idNumber: worker, year: 2026, paidOn: '2026-01-15', amountFen: 42000 });
  const moved = await app.inject({
    method: 'POST',
    url: `/v1/enrolments/${worker}/2026/transfer`,
    headers: lizi.headers,
    payload: { employeeCoverFrom: '2026-10-01' },
  });
  // 002#四(三): resident cover continues through the employee waiting period.
  t.match(moved.json(), { status: 'transferred', employeeCoverFrom: '2026-10-01', benefitEnd: '2026-09-30' });
  const notPaid = await person();
  await register({ idNumber: notPaid, year: 2026 });
  const refused = await app.inject({
    method: 'POST',
    url: `/v1/enrolments/${notPaid}/2026/transfer`,
    headers: lizi.headers,
    payload: { employeeCoverFrom: '2026-10-01' },
  });
  t.match(refused.json(), { status: 409, code: 'INVALID_TRANSITION' });
  t.ok((await events('enrolment.transferred')).some((p) => p.idNumber === worker));
});

t.test('003#三: a newborn is covered from birth through a guardian enrolled that year', async (t) => {
  // cq-2025 names the guardian route (003#三); the invented cq-2026 does not.
  const guardian = await person();
  await pay('POS-G', { idNumber: guardian, year: 2025, paidOn: '2024-10-15', amountFen: 40000 });
  const baby = await person(LIZI_VILLAGE, '20250311', 'resident');
  const res = await app.inject({
    method: 'POST',
    url: '/v1/enrolments/newborn-cover',
    headers: lizi.headers,
    payload: { idNumber: baby, guardianIdNumber: guardian, year: 2025 },
  });
  t.equal(res.statusCode, 201);
  t.match(res.json(), {
    basis: 'guardian',
    guardianIdNumber: guardian,
    category: 'newborn',
    personalFen: 0,
    benefitStart: '2025-03-11',
    benefitEnd: '2025-12-31',
    status: 'ended',
  });
  const orphan = await person(LIZI_VILLAGE, '20250401');
  const refused = await app.inject({
    method: 'POST',
    url: '/v1/enrolments/newborn-cover',
    headers: lizi.headers,
    payload: { idNumber: orphan, guardianIdNumber: await person(), year: 2025 },
  });
  t.match(refused.json(), { status: 422, code: 'GUARDIAN_NOT_ENROLLED' });
});

t.test('lists and the facts view read the same effective status', async (t) => {
  const page = await app.inject({
    method: 'GET',
    url: `/v1/enrolments?year=2026&regionCode=${LIZI}&status=covered&limit=2`,
    headers: dashboard.headers,
  });
  t.equal(page.statusCode, 200);
  const first = page.json();
  t.equal(first.items.length, 2);
  t.ok(first.next, 'more pages');
  t.ok(first.items.every((e: { status: string }) => e.status === 'covered'));
  const rest = await app.inject({
    method: 'GET',
    url: `/v1/enrolments?year=2026&regionCode=${LIZI}&status=covered&limit=500&after=${first.next}`,
    headers: dashboard.headers,
  });
  const covered = [...first.items, ...rest.json().items].map((e: { idNumber: string }) => e.idNumber);
  const facts = await db
    .selectFrom('enrollment.v_enrollment_facts')
    .select('id_number')
    .where('year', '=', 2026)
    .where('township_code', '=', LIZI)
    .where('status', '=', 'covered')
    .orderBy('id_number')
    .execute();
  t.same(
    covered,
    facts.map((f) => f.id_number),
  );
});

t.test('effective status by the day: registered, waiting, covered, ended', async (t) => {
  const row = { status: 'paid', benefit_start: '2026-03-01', benefit_end: '2026-12-31' } as EnrolmentRow;
  t.equal(effectiveStatus(row, '2026-02-28'), 'waiting');
  t.equal(effectiveStatus(row, '2026-03-01'), 'covered');
  t.equal(effectiveStatus(row, '2026-12-31'), 'covered');
  t.equal(effectiveStatus(row, '2027-01-01'), 'ended');
  t.equal(effectiveStatus({ ...row, status: 'registered' }, '2026-03-01'), 'registered');
});

t.test('more rejections: not eligible, deceased, not a newborn, no guardian route, no enrolment', async (t) => {
  // cq-2026 (invented) admits local hukou only: a Zhong county resident cannot enrol in Fengdu.
  const outsider = await person(WUYANG_VILLAGE);
  t.match((await register({ idNumber: outsider, year: 2026, regionCode: LIZI_VILLAGE })).json(), {
    status: 422,
    code: 'NOT_ELIGIBLE',
  });

  const deceased = await person();
  await db.updateTable('enrollment.persons').set({ died_on: '2026-01-05' }).where('id_number', '=', deceased).execute();
  t.match((await register({ idNumber: deceased, year: 2026 })).json(), { status: 409, code: 'PERSON_DECEASED' });

  const guardian = await person();
  await pay('POS-NB', { idNumber: guardian, year: 2026, paidOn: '2026-01-15', amountFen: 42000 });
  const cover = (idNumber: string, year: number) =>
    app.inject({
      method: 'POST',
      url: '/v1/enrolments/newborn-cover',
      headers: lizi.headers,
      payload: { idNumber, guardianIdNumber: guardian, year },
    });
  t.match((await cover(await person(), 2026)).json(), { status: 422, code: 'NOT_A_NEWBORN' });
  t.match((await cover(await person(LIZI_VILLAGE, '20260105'), 2026)).json(), {
    status: 422,
    code: 'NO_GUARDIAN_COVER',
  });

  const none = await app.inject({
    method: 'POST',
    url: `/v1/enrolments/${await person()}/2026/cancel`,
    headers: lizi.headers,
    payload: { reason: 'death', on: '2026-02-01' },
  });
  t.match(none.json(), { status: 404, code: 'ENROLLMENT_NOT_FOUND' });
});

t.test('paying over employee insurance is refused like registering over it', async (t) => {
  const employed = await person();
  await app.inject({
    method: 'PUT',
    url: '/v1/external-coverages',
    headers: service.headers,
    payload: { coverages: [{ idNumber: employed, year: 2026, kind: 'employee', insurer: '某公司职工医保' }] },
  });
  const res = await pay('POS-EMP', { idNumber: employed, year: 2026, paidOn: '2026-03-10', amountFen: 42000 });
  t.equal(res.statusCode, 409);
  t.match(res.json(), { code: 'DUPLICATE_INSURANCE', kind: 'employee' });
  t.notOk(
    await db.selectFrom('enrollment.enrolments').select('year').where('id_number', '=', employed).executeTakeFirst(),
  );
});

t.test('an enrolling village that is not loaded is REGION_UNKNOWN, for registrations and payments', async (t) => {
  const id = await person();
  const res = await register({ idNumber: id, year: 2026, regionCode: '500230209999' });
  t.equal(res.statusCode, 422);
  t.match(res.json(), { code: 'REGION_UNKNOWN', errors: [{ path: 'body.regionCode' }] });
  const paid = await pay('POS-RU', {
    idNumber: id,
    year: 2026,
    paidOn: '2026-03-10',
    amountFen: 42000,
    regionCode: '500230209999',
  });
  t.match(paid.json(), { status: 422, code: 'REGION_UNKNOWN' });
});

t.test('003#三: a newborn past the 90-day window pays and is covered as a resident', async (t) => {
  // Born 2026-01-05: the window closes on 2026-04-05. Paying on 2026-06-01 is a resident's late payment.
  const baby = await person(LIZI_VILLAGE, '20260105');
  t.match((await register({ idNumber: baby, year: 2026 })).json(), { category: 'newborn' });
  const res = await pay('POS-LATE-NB', { idNumber: baby, year: 2026, paidOn: '2026-06-01', amountFen: 112000 });
  t.equal(res.statusCode, 201);
  t.match(res.json().enrolment, { category: 'resident', fiscalSubsidyFen: 70000, personalFen: 112000 });
  t.not(res.json().enrolment.benefitStart, '2026-01-05', 'not covered from birth');
});
