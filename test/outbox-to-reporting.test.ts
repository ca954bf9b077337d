// Enrollment's outbox delivering to reporting's /v1/events, both in this process on one database:
// what reaches reporting, its refusal of a bad key, and its answer to a redelivery. The worker's
// own behaviour (batches, backoff, ordering, dead letters) is tested against stub subscribers in
// services/enrollment/test/outbox-worker.test.ts.
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENROLLMENT_EVENTS } from '@rmi/contracts';
import { createTestDatabase, type Db } from '@rmi/db';
import { createEventRecorder, createOutboxWorker, type OutboxWorkerOptions } from '@rmi/outbox';
import { captureOutboxLog, recordEach, settleOutbox, waitFor } from '@rmi/outbox/testing';
import reportingApp, { SERVICE as REPORTING } from '@rmi/reporting/app';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import type { Test } from 'tap';
import t from 'tap';
import { request } from 'undici';

const ID_NUMBER = '500230200001010018';
const VILLAGE = '500230209200';
// What enrollment's `recordEvent` is: the package's recorder on schema enrollment with its topics.
const { recordEvent } = createEventRecorder('enrollment', ENROLLMENT_EVENTS);

const paid = (seq: number) => ({
  idNumber: ID_NUMBER,
  year: 2025,
  regionCode: VILLAGE,
  paymentId: `pay-${seq}`,
  personalFen: 40_000,
  assistanceFen: 0,
  assistanceIdentity: null,
  benefitStart: '2025-01-01',
  benefitEnd: '2025-12-31',
});

/** A database clone with reporting listening on it, and a service key. */
async function setup(t: Test) {
  const tdb = await createTestDatabase();
  const reporting = await buildApp(REPORTING, reportingApp, { db: tdb.db, config: testConfig() });
  await reporting.listen({ port: 0, host: '127.0.0.1' });
  const reportingUrl = `http://127.0.0.1:${(reporting.server.address() as AddressInfo).port}/v1/events`;
  const key = await createTestKey(tdb.db, 'service');
  const workers: Array<{ stop(): Promise<void> }> = [];
  t.teardown(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await reporting.close();
    await tdb.destroy();
  });
  const db = tdb.db;
  return {
    db,
    reportingUrl,
    key: key.key,
    worker(options: Partial<OutboxWorkerOptions> = {}) {
      const worker = createOutboxWorker({
        schema: 'enrollment',
        source: 'enrollment',
        db,
        subscribers: [{ name: 'reporting', url: reportingUrl }],
        apiKey: key.key,
        log: captureOutboxLog(),
        pollMs: 20,
        backoffMs: 50,
        maxBackoffMs: 400,
        timeoutMs: 5_000,
        ...options,
      });
      workers.push(worker);
      return worker;
    },
  };
}

type Write = (trx: Db, seq: number) => Promise<void>;
const writePaid: Write = (trx, seq) => recordEvent(trx, 'enrolment.paid', paid(seq));

/** Records events, each in its own committed transaction; returns their outbox ids. */
const record = (db: Db, count: number, write: Write = writePaid) => recordEach(db, 'enrollment', count, write);

const settle = (db: Db) => settleOutbox(db, 'enrollment');

const received = (db: Db) =>
  db.selectFrom('reporting.received_events').selectAll().where('source', '=', 'enrollment').orderBy('id').execute();

const cursor = (db: Db, subscriber = 'reporting') =>
  db
    .selectFrom('enrollment.outbox_cursors')
    .select(['delivered_through', 'attempts', 'last_error'])
    .where('subscriber', '=', subscriber)
    .executeTakeFirst();

t.test('events land in reporting exactly once, in order, with their payloads', async (t) => {
  const { db, worker } = await setup(t);
  const ids = await record(db, 3);
  // Two events of one transaction keep their order too.
  await db.transaction().execute(async (trx) => {
    await recordEvent(trx, 'person.registered', {
      idNumber: ID_NUMBER,
      hukouRegionCode: VILLAGE,
      category: 'resident',
      sex: 'male',
      birthDate: '2000-01-01',
      householdId: null,
      diedOn: null,
    });
    await recordEvent(trx, 'enrolment.registered', { idNumber: ID_NUMBER, year: 2025, regionCode: VILLAGE, tier: 1 });
  });
  const all = [
    ...ids,
    ...(await db.selectFrom('enrollment.outbox').select('id').where('id', '>', ids[2]!).execute()).map((r) => r.id),
  ];

  const w = worker();
  await settle(db);
  t.same(await w.deliverOnce(), { reporting: { status: 'delivered', events: 5, throughId: all[4] } });
  const rows = await received(db);
  t.same(
    rows.map((r) => r.id),
    all,
    'every event, in id order',
  );
  t.same(
    rows.map((r) => r.topic),
    ['enrolment.paid', 'enrolment.paid', 'enrolment.paid', 'person.registered', 'enrolment.registered'],
  );
  t.same(rows[0]?.payload, paid(0));
  t.match(await cursor(db), { delivered_through: all[4], attempts: 0, last_error: null });

  t.same(await w.deliverOnce(), { reporting: { status: 'idle' } }, 'nothing left');
  t.same(await received(db), rows, 'a second pass adds nothing');

  // Started, the worker picks up a new event on a nudge.
  w.start();
  const [later] = await record(db, 1, (trx) =>
    recordEvent(trx, 'target.set', {
      year: 2025,
      basis: 'loaded',
      basisDate: null,
      regionCode: VILLAGE,
      targets: [{ regionCode: VILLAGE, target: 300 }],
    }),
  );
  w.nudge();
  await waitFor('the nudged event', async () => (await received(db)).some((r) => r.id === later));
  t.same(
    (await received(db)).map((r) => r.id),
    [...all, later],
  );
});

t.test('a revoked or unknown key is refused with 401 and retried after backoff', async (t) => {
  const { db, worker, key } = await setup(t);
  await record(db, 2);
  await settle(db);
  const revoked = await createTestKey(db, 'service');
  await db.updateTable('core.api_keys').set({ revoked_at: new Date() }).where('id', '=', revoked.id).execute();

  const slow = { backoffMs: 200, maxBackoffMs: 1000 };
  const withRevoked = worker({ ...slow, apiKey: revoked.key });
  const refused = (await withRevoked.deliverOnce()).reporting;
  t.match(refused, { status: 'failed', attempts: 1, retryInMs: 200, error: /^HTTP 401 KEY_REVOKED/ });
  t.match((await withRevoked.deliverOnce()).reporting, { status: 'waiting' });
  await sleep(210);
  const unknown = worker({ ...slow, apiKey: 'rmi_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
  t.match((await unknown.deliverOnce()).reporting, {
    status: 'failed',
    attempts: 2,
    retryInMs: 400,
    error: /^HTTP 401 UNAUTHENTICATED/,
  });
  const stored = await cursor(db);
  t.match(stored, { delivered_through: 0, attempts: 2 });
  t.notMatch(stored?.last_error, 'rmi_', 'no key in the stored error');
  t.same(await received(db), [], 'nothing stored');

  // With the right key the same cursor continues after the backoff, and the failures are cleared.
  const fixed = worker({ ...slow, apiKey: key });
  t.match((await fixed.deliverOnce()).reporting, { status: 'waiting' });
  await sleep(410);
  t.match((await fixed.deliverOnce()).reporting, { status: 'delivered', events: 2 });
  t.match(await cursor(db), { attempts: 0, last_error: null });
  t.equal((await received(db)).length, 2);
});

t.test('redelivering a batch (a crash after the POST, before the cursor moved) changes nothing', async (t) => {
  const { db, worker, reportingUrl, key } = await setup(t);
  const ids = await record(db, 4);
  await settle(db);
  const w = worker();
  t.match((await w.deliverOnce()).reporting, { status: 'delivered', events: 4 });
  const before = await received(db);

  await db
    .updateTable('enrollment.outbox_cursors')
    .set({ delivered_through: 0, delivered_xid: '0' })
    .where('subscriber', '=', 'reporting')
    .execute();
  t.match((await w.deliverOnce()).reporting, { status: 'delivered', events: 4, throughId: ids[3] });
  t.same(await received(db), before, 'same rows, same received_at');

  // What the receiver answers to that redelivery.
  const events = (await db.selectFrom('enrollment.outbox').selectAll().orderBy('id').execute()).map((r) => ({
    id: r.id,
    topic: r.topic,
    payload: r.payload,
    createdAt: r.created_at.toISOString(),
  }));
  const res = await request(reportingUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ source: 'enrollment', events }),
  });
  t.equal(res.statusCode, 200);
  t.same(await res.body.json(), { received: 0, duplicates: 4 });
});
