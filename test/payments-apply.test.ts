// payment-reconciliation's applier against enrollment, both over real sockets on one database
// (contracts/payments.md "Recording a payment"): a recorded payment is applied to its enrolment,
// a refused one parked and retried, none lost or doubled by a crash, an outage or a second
// replica, and a reversal unpays the enrolment again.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEnrollmentClient } from '@rmi/clients';
import { createTestDatabase, freePort } from '@rmi/db';
import { waitFor } from '@rmi/outbox/testing';
import paymentApp, { SERVICE as PAYMENT, PaymentConfigSchema } from '@rmi/payment-reconciliation/app';
import { checkCharacter } from '@rmi/rules';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { enrollmentAlongside } from './helpers/enrollment-alongside.js';

const LIZI = '500230209'; // 栗子乡
const NANJIANG = '500230209200'; // 南江村村民委员会

const tdb = await createTestDatabase();
const db = tdb.db;
const service = await createTestKey(db, 'service');
const url = (app: FastifyInstance) => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

const enrollment = await enrollmentAlongside(db);
await enrollment.listen({ port: 0, host: '127.0.0.1' });
// Payments are recorded, read and retried through a replica without a service key: its applier is
// off, so each test decides which appliers run, and when.
const desk = await buildApp(PAYMENT, paymentApp, { db, config: testConfig({}, PaymentConfigSchema) });
const nowhere = `http://127.0.0.1:${await freePort()}`;
t.teardown(async () => {
  await desk.close();
  await enrollment.close();
  await tdb.destroy();
});

const office = await createTestKey(db, 'township-operator', { regionCode: LIZI });
const collector = await createTestKey(db, 'collector', { regionCode: NANJIANG });
const township = createEnrollmentClient({ baseUrl: url(enrollment), apiKey: office.key });
const asService = createEnrollmentClient({ baseUrl: url(enrollment), apiKey: service.key });
t.teardown(() => Promise.all([township.close(), asService.close()]));

/** A payment-reconciliation replica whose applier sends to `enrollmentUrl`, closed with the test. */
async function applier(t: Test, enrollmentUrl = url(enrollment), overrides: Record<string, string> = {}) {
  const app = await buildApp(PAYMENT, paymentApp, {
    db,
    config: testConfig(
      {
        SERVICE_API_KEY: service.key,
        ENROLLMENT_URL: enrollmentUrl,
        APPLY_POLL_MS: '50',
        APPLY_RETRY_MS: '50',
        APPLY_TIMEOUT_MS: '5000',
        // Events are not what this file is about: their delivery fails quietly into its backoff.
        REPORTING_URL: nowhere,
        ...overrides,
      },
      PaymentConfigSchema,
    ),
  });
  t.teardown(() => app.close());
  return app;
}

let serial = 0;
function idNumber(): string {
  serial += 1;
  const first17 = `50023019820${1 + (serial % 9)}${String(10 + (serial % 18))}${String(serial).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

/** A resident of 南江村 registered for 2025 in tier 1 (cq-2025: 400 yuan personal part, 003#五(二)). */
async function registered(): Promise<string> {
  const id = idNumber();
  await township.createPerson({ idNumber: id, name: '王伟', hukouRegionCode: NANJIANG });
  await township.registerEnrolment({ idNumber: id, year: 2025 });
  return id;
}

let vouchers = 0;
async function record(id: string, overrides: Record<string, unknown> = {}, headers = collector.headers) {
  vouchers += 1;
  const res = await desk.inject({
    method: 'POST',
    url: '/v1/payments',
    headers,
    payload: {
      channel: 'collection-client',
      voucherNumber: `APPLY-${String(vouchers).padStart(5, '0')}`,
      idNumber: id,
      year: 2025,
      amountFen: 40_000,
      paidAt: '2024-11-15T10:30:00+08:00',
      ...overrides,
    },
  });
  if (res.statusCode !== 201) throw new Error(`recording answered ${res.statusCode}: ${res.body}`);
  return res.json().paymentId as string;
}

const read = async (paymentId: string) =>
  (await desk.inject({ method: 'GET', url: `/v1/payments/${paymentId}`, headers: collector.headers })).json();
const settled = (paymentId: string, status: 'applied' | 'parked') =>
  waitFor(`payment ${status}`, async () => {
    const p = await read(paymentId);
    return p.status === status ? p : undefined;
  });

/** What enrollment wrote about one payment: audit rows and events, each should be one. */
async function enrollmentTrail(paymentId: string) {
  const audit = await sql<{ action: string }>`select action from core.audit_log
    where service = 'enrollment' and details->>'paymentId' = ${paymentId} order by id`.execute(db);
  const events = await sql<{ topic: string }>`select topic from enrollment.outbox
    where payload->>'paymentId' = ${paymentId} order by id`.execute(db);
  return { audit: audit.rows.map((r) => r.action), events: events.rows.map((r) => r.topic) };
}

/**
 * A gateway in front of enrollment: it can hold batch calls until released (a payment in flight),
 * or pass one to enrollment and drop the answer (a crash before the answer is written).
 */
async function gateway(t: Test) {
  let gate: Promise<void> | null = null;
  let open = () => {};
  let dropAnswers = 0;
  let batches = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const isBatch = req.url === '/v1/enrolment-payments/batch';
    if (isBatch) batches += 1;
    if (isBatch && gate) await gate;
    const answer = await fetch(`${url(enrollment)}${req.url}`, {
      method: req.method,
      headers: { authorization: String(req.headers.authorization), 'content-type': 'application/json' },
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    const body = Buffer.from(await answer.arrayBuffer());
    if (isBatch && dropAnswers > 0) {
      dropAnswers -= 1;
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release() {
      gate = null;
      open();
    },
    dropNextAnswer() {
      dropAnswers += 1;
    },
    batches: () => batches,
  };
}

t.test('a recorded payment is applied: enrollment holds the enrolment paid by it', async (t) => {
  await applier(t);
  const id = await registered();
  // An operator's payment is placed in the person's enrolment village, which must be in its region.
  const shetan = await createTestKey(db, 'township-operator', { regionCode: '500230102' });
  const outside = await desk.inject({
    method: 'POST',
    url: '/v1/payments',
    headers: shetan.headers,
    payload: {
      channel: 'tax-window',
      voucherNumber: 'WIN-1',
      idNumber: id,
      year: 2025,
      amountFen: 40_000,
      paidAt: '2024-11-15T10:30:00+08:00',
    },
  });
  t.equal(outside.statusCode, 403);
  t.equal(outside.json().code, 'OUT_OF_SCOPE');
  const paymentId = await record(id, { channel: 'tax-window' }, office.headers);

  const payment = await settled(paymentId, 'applied');
  t.match(payment, { villageCode: NANJIANG, attempts: 1, problem: null, appliedAt: String });
  const enrolment = await township.getEnrolment(id, 2025);
  t.match(enrolment, { paymentId, paidFen: 40_000, personalFen: 40_000, paidOn: '2024-11-15' });
  t.same(await enrollmentTrail(paymentId), { audit: ['enrolment.pay'], events: ['enrolment.paid'] });
});

t.test(
  'a wrong amount is parked AMOUNT_MISMATCH and listed; a payment for an unknown person is applied once the person is registered',
  async (t) => {
    await applier(t);
    const id = await registered();
    const short = await record(id, { amountFen: 30_000 });
    const parked = await settled(short, 'parked');
    t.match(parked, {
      attempts: 1,
      problem: { code: 'AMOUNT_MISMATCH', detail: /Paid 30000 fen; the personal part on 2024-11-15 is 40000 fen/ },
    });
    const listed = await desk.inject({
      method: 'GET',
      url: `/v1/payments?status=parked&regionCode=${LIZI}&year=2025&limit=1000`,
      headers: office.headers,
    });
    t.ok(
      (listed.json().items as Array<{ paymentId: string }>).some((p) => p.paymentId === short),
      'listed by ?status=parked',
    );
    // Nothing changed: retried, it parks again, its attempts counted on.
    const retried = await desk.inject({ method: 'POST', url: `/v1/payments/${short}/retry`, headers: office.headers });
    t.match(retried.json(), { status: /recorded|parked/, attempts: 1 });
    await waitFor('parked again', async () => {
      const p = await read(short);
      return p.status === 'parked' && p.attempts === 2 ? p : undefined;
    });
    t.match(await township.getEnrolment(id, 2025), { status: 'registered', paymentId: null });

    // Money for a person the register does not know yet (paid at the tax window before registering).
    const stranger = idNumber();
    const early = await record(stranger);
    t.match(await settled(early, 'parked'), { problem: { code: 'PERSON_NOT_FOUND' } });
    await township.createPerson({ idNumber: stranger, name: '李芳', hukouRegionCode: NANJIANG });
    const again = await desk.inject({ method: 'POST', url: `/v1/payments/${early}/retry`, headers: collector.headers });
    t.equal(again.statusCode, 200);
    t.match(await settled(early, 'applied'), { attempts: 2, problem: null });
    t.match(await township.getEnrolment(stranger, 2025), { paymentId: early, paidFen: 40_000, regionCode: NANJIANG });
  },
);

t.test('a payment enrollment applied before a crash left it recorded becomes applied, paid once', async (t) => {
  const id = await registered();
  const paymentId = await record(id);
  // The applier that claimed it called enrollment and died before writing the answer.
  const first = await asService.applyEnrolmentPayments([
    { paymentId, idNumber: id, year: 2025, paidOn: '2024-11-15', amountFen: 40_000, channel: 'collection-client' },
  ]);
  t.equal(first.results[0]?.status, 'applied');
  await db.updateTable('payment.payments').set({ attempts: 1 }).where('id', '=', paymentId).execute();

  const replica = await applier(t);
  t.match(await settled(paymentId, 'applied'), { attempts: 2, problem: null });
  t.match(await township.getEnrolment(id, 2025), { paymentId, paidFen: 40_000 });
  t.same(await enrollmentTrail(paymentId), { audit: ['enrolment.pay'], events: ['enrolment.paid'] }, 'paid once');

  // The same through the wire: enrollment applies the batch, its answer is lost on the way back.
  await replica.close();
  const gw = await gateway(t);
  gw.dropNextAnswer();
  await applier(t, gw.url);
  const other = await registered();
  const lost = await record(other);
  t.match(await settled(lost, 'applied'), { attempts: 2 });
  t.same(await enrollmentTrail(lost), { audit: ['enrolment.pay'], events: ['enrolment.paid'] });
});

t.test(
  'enrollment unreachable: the payment waits recorded, backing off, and is applied once enrollment is up',
  async (t) => {
    const port = await freePort();
    await applier(t, `http://127.0.0.1:${port}`);
    const id = await registered();
    const paymentId = await record(id);
    await waitFor('two failed attempts', async () => (await read(paymentId)).attempts >= 2);
    await sleep(500);
    const waiting = await read(paymentId);
    t.match(waiting, { status: 'recorded', problem: null, appliedAt: null });
    // 50 ms doubling: about five attempts in the first second, not a busy loop.
    t.ok(waiting.attempts >= 2 && waiting.attempts <= 6, `attempts ${waiting.attempts}`);
    const { rows } = await sql<{
      ahead: number;
    }>`select extract(epoch from next_attempt_at - updated_at) * 1000 as ahead
      from payment.payments where id = ${paymentId}`.execute(db);
    t.ok(Number(rows[0]?.ahead) >= 50, 'the next attempt is scheduled ahead of the last');

    // Enrollment comes up where the applier looks for it.
    const back = await enrollmentAlongside(db);
    t.teardown(() => back.close());
    await back.listen({ port, host: '127.0.0.1' });
    const applied = await settled(paymentId, 'applied');
    t.ok(applied.attempts > waiting.attempts);
    t.match(await township.getEnrolment(id, 2025), { paymentId, paidFen: 40_000 });
  },
);

t.test('two replicas applying from one database apply each of 120 payments exactly once', async (t) => {
  const people: string[] = [];
  for (let i = 0; i < 4; i++) people.push(...(await Promise.all(Array.from({ length: 30 }, registered))));
  const paymentIds: string[] = [];
  for (let i = 0; i < people.length; i += 20) {
    paymentIds.push(...(await Promise.all(people.slice(i, i + 20).map((id) => record(id)))));
  }
  // Small batches, so the two claim from the backlog over and over, side by side.
  await Promise.all([
    applier(t, url(enrollment), { APPLY_BATCH_SIZE: '7' }),
    applier(t, url(enrollment), { APPLY_BATCH_SIZE: '7' }),
  ]);
  const ours = sql.join(paymentIds);
  await waitFor('every payment applied', async () => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from payment.payments
      where id in (${ours}) and status = 'applied'`.execute(db);
    return rows[0]?.n === paymentIds.length;
  });
  const { rows: attempts } = await sql<{ total: number; most: number }>`
    select sum(attempts)::int as total, max(attempts) as most from payment.payments where id in (${ours})`.execute(db);
  t.same(attempts[0], { total: 120, most: 1 }, 'each claimed once');
  const { rows: paid } = await sql<{ n: number }>`select count(*)::int as n from enrollment.enrolments
    where payment_id in (${ours}) and status = 'paid'`.execute(db);
  t.equal(paid[0]?.n, 120, 'enrollment: 120 enrolments paid');
  const { rows: audits } = await sql<{ n: number; distinct: number }>`
    select count(*)::int as n, count(distinct details->>'paymentId')::int as distinct from core.audit_log
    where action = 'enrolment.pay' and details->>'paymentId' in (${ours})`.execute(db);
  t.same(audits[0], { n: 120, distinct: 120 }, 'enrollment audited each payment once');
  const { rows: events } = await sql<{ n: number; distinct: number }>`
    select count(*)::int as n, count(distinct payload->>'paymentId')::int as distinct from enrollment.outbox
    where topic = 'enrolment.paid' and payload->>'paymentId' in (${ours})`.execute(db);
  t.same(events[0], { n: 120, distinct: 120 }, 'enrollment announced each payment once');
});

t.test('a reversal of an applied payment unpays the enrolment in enrollment, and reads told', async (t) => {
  await applier(t);
  const id = await registered();
  const paymentId = await record(id);
  await settled(paymentId, 'applied');
  const res = await desk.inject({
    method: 'POST',
    url: `/v1/payments/${paymentId}/reversal`,
    headers: collector.headers,
    payload: { reversedAt: '2024-11-20T09:00:00+08:00', reason: '误缴' },
  });
  t.equal(res.statusCode, 201);
  const told = await waitFor('the reversal told', async () => {
    const p = await read(paymentId);
    return p.reversal?.toldEnrollment ? p : undefined;
  });
  t.match(told, { status: 'applied', reversal: { reversedOn: '2024-11-20', reason: '误缴' } });
  const [row] = await db.selectFrom('payment.reversals').selectAll().where('payment_id', '=', paymentId).execute();
  t.ok(row?.told_at, 'told_at set');
  t.match(await township.getEnrolment(id, 2025), { status: 'registered', paymentId: null });
  t.same(await enrollmentTrail(paymentId), {
    audit: ['enrolment.pay', 'enrolment.unpaid'],
    events: ['enrolment.paid', 'enrolment.unpaid'],
  });
});

t.test(
  'a payment reversed while in flight to enrollment is unpaid again as soon as it comes back applied',
  async (t) => {
    const gw = await gateway(t);
    gw.hold();
    await applier(t, gw.url);
    const id = await registered();
    const before = gw.batches();
    const paymentId = await record(id);
    await waitFor('the batch in flight', async () => gw.batches() > before);
    const res = await desk.inject({
      method: 'POST',
      url: `/v1/payments/${paymentId}/reversal`,
      headers: collector.headers,
      payload: { reversedAt: '2024-11-20T09:00:00+08:00', reason: '重复缴费' },
    });
    t.equal(res.statusCode, 201);
    gw.release();
    await waitFor('applied, then reversal told', async () => {
      const [r] = await db
        .selectFrom('payment.reversals')
        .select('told_at')
        .where('payment_id', '=', paymentId)
        .execute();
      return r?.told_at ?? undefined;
    });
    t.match(await read(paymentId), { status: 'applied', reversal: { toldEnrollment: true } });
    t.match(await township.getEnrolment(id, 2025), { status: 'registered', paymentId: null });
    t.same((await enrollmentTrail(paymentId)).audit, ['enrolment.pay', 'enrolment.unpaid']);
  },
);

t.test('a payment reversed before any applier saw it is never applied', async (t) => {
  const id = await registered();
  const paymentId = await record(id);
  const res = await desk.inject({
    method: 'POST',
    url: `/v1/payments/${paymentId}/reversal`,
    headers: collector.headers,
    payload: { reversedAt: '2024-11-15T11:00:00+08:00', reason: '撤销' },
  });
  t.equal(res.statusCode, 201);
  await applier(t);
  // A payment recorded after it is applied: the applier has looked at the queue since.
  const after = await record(await registered());
  await settled(after, 'applied');
  t.match(await read(paymentId), { status: 'recorded', attempts: 0, reversal: { toldEnrollment: true } });
  t.match(await township.getEnrolment(id, 2025), { status: 'registered', paymentId: null });
  t.same(await enrollmentTrail(paymentId), { audit: [], events: [] });
});

t.test('closing a replica waits for the batch in flight, and writes its answers before it ends', async (t) => {
  const gw = await gateway(t);
  gw.hold();
  const replica = await applier(t, gw.url);
  const id = await registered();
  const before = gw.batches();
  const paymentId = await record(id);
  await waitFor('the batch in flight', async () => gw.batches() > before);
  let closed = false;
  const closing = replica.close().then(() => {
    closed = true;
  });
  await sleep(200);
  t.notOk(closed, 'still closing while enrollment has not answered');
  gw.release();
  await closing;
  t.match(await read(paymentId), { status: 'applied', attempts: 1 }, 'answered and written before the close ended');
});
