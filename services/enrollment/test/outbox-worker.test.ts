import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type Db } from '@rmi/db';
import reportingApp, { SERVICE as REPORTING } from '@rmi/reporting/app';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Test } from 'tap';
import t from 'tap';
import { request } from 'undici';
import enrollmentApp, { SERVICE as ENROLLMENT } from '../src/app.js';
import { EnrollmentConfigSchema, eventSubscribers } from '../src/config.js';
import { type EnrollmentTopic, recordEvent } from '../src/events/outbox.js';
import { pruneOutbox } from '../src/events/outbox-retention.js';
import { createOutboxWorker, type OutboxLog, type OutboxWorkerOptions } from '../src/events/outbox-worker.js';

const ID_NUMBER = '500230200001010018';
const MASKED = '500230********0018';

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A log that keeps every entry, to check what a failure writes (and that no secret is in it). */
function captureLog(): OutboxLog & { entries: string[] } {
  const entries: string[] = [];
  const keep = (level: string) => (obj: Record<string, unknown>, msg: string) => {
    entries.push(JSON.stringify({ level, msg, ...obj }));
  };
  return { entries, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

interface Call {
  at: number;
  status: number;
  authorization: string | undefined;
  body: { source: string; events: Array<{ id: number; topic: string; payload: unknown; createdAt: string }> };
}

/** A subscriber of our own: answers `answer(n)` to its n-th call (1-based) after `delayMs`. */
async function stubReceiver(t: Test, answer: (n: number) => number = () => 200, delayMs = 0) {
  const calls: Call[] = [];
  const answered: number[] = [];
  const app = Fastify();
  app.post('/v1/events', async (req, reply) => {
    const status = answer(calls.length + 1);
    calls.push({ at: Date.now(), status, authorization: req.headers.authorization, body: req.body as Call['body'] });
    if (delayMs) await sleep(delayMs);
    answered.push(Date.now());
    if (status >= 300) {
      // Echoes what a careless proxy might: personal data and the credentials it was sent.
      return reply
        .code(status)
        .type('text/plain')
        .send(`overloaded while storing ${ID_NUMBER}; ${req.headers.authorization}`);
    }
    return { received: (req.body as Call['body']).events.length, duplicates: 0 };
  });
  const url = `${await listen(app)}/v1/events`;
  t.teardown(() => app.close());
  const ids = (status = 200) => calls.filter((c) => c.status === status).flatMap((c) => c.body.events.map((e) => e.id));
  return { url, calls, answered, ids };
}

/** A database clone with reporting listening on it, and a service key. */
async function setup(t: Test) {
  const tdb = await createTestDatabase();
  const reporting = await buildApp(REPORTING, reportingApp, { db: tdb.db, config: testConfig() });
  const reportingUrl = `${await listen(reporting)}/v1/events`;
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
    url: tdb.url,
    reportingUrl,
    key: key.key,
    worker(options: Partial<OutboxWorkerOptions> = {}) {
      const log = captureLog();
      const worker = createOutboxWorker({
        db,
        subscribers: [{ name: 'reporting', url: reportingUrl }],
        apiKey: key.key,
        log,
        pollMs: 20,
        backoffMs: 50,
        maxBackoffMs: 400,
        timeoutMs: 5_000,
        ...options,
      });
      workers.push(worker);
      return Object.assign(worker, { log });
    },
  };
}

/** Records events, each in its own committed transaction; returns their outbox ids. */
async function record(db: Db, count: number, topic: EnrollmentTopic = 'enrolment.paid'): Promise<number[]> {
  const before = await maxOutboxId(db);
  for (let i = 0; i < count; i++) {
    await db.transaction().execute((trx) => recordEvent(trx, topic, { idNumber: ID_NUMBER, year: 2025, seq: i }));
  }
  const rows = await db.selectFrom('enrollment.outbox').select('id').where('id', '>', before).orderBy('id').execute();
  return rows.map((r) => r.id);
}

async function maxOutboxId(db: Db): Promise<number> {
  const row = await db
    .selectFrom('enrollment.outbox')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/**
 * Waits until every recorded event is past the delivery horizon. Test databases share one server,
 * and a transaction left open in another database holds the horizon back for a moment.
 */
async function settle(db: Db): Promise<void> {
  await waitFor('events past the delivery horizon', async () => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from enrollment.outbox
      where xid >= pg_snapshot_xmin(pg_current_snapshot())`.execute(db);
    return rows[0]?.n === 0;
  });
}

const received = (db: Db) =>
  db.selectFrom('reporting.received_events').selectAll().where('source', '=', 'enrollment').orderBy('id').execute();

const cursor = (db: Db, subscriber = 'reporting') =>
  db
    .selectFrom('enrollment.outbox_cursors')
    .select([
      'delivered_through',
      'attempts',
      'last_error',
      sql<number>`round(extract(epoch from next_attempt_at - updated_at) * 1000)::int`.as('backoff_ms'),
    ])
    .where('subscriber', '=', subscriber)
    .executeTakeFirst();

t.test('events land in reporting exactly once, in order, with their payloads', async (t) => {
  const { db, worker } = await setup(t);
  const ids = await record(db, 3);
  // Two events of one transaction keep their order too.
  await db.transaction().execute(async (trx) => {
    await recordEvent(trx, 'person.registered', { idNumber: ID_NUMBER });
    await recordEvent(trx, 'enrolment.registered', { idNumber: ID_NUMBER, year: 2025 });
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
  t.same(rows[0]?.payload, { idNumber: ID_NUMBER, year: 2025, seq: 0 });
  t.match(await cursor(db), { delivered_through: all[4], attempts: 0, last_error: null });

  t.same(await w.deliverOnce(), { reporting: { status: 'idle' } }, 'nothing left');
  t.same(await received(db), rows, 'a second pass adds nothing');

  // Started, the worker picks up a new event on a nudge.
  w.start();
  const [later] = await record(db, 1, 'target.set');
  w.nudge();
  await waitFor('the nudged event', async () => (await received(db)).some((r) => r.id === later));
  t.same(
    (await received(db)).map((r) => r.id),
    [...all, later],
  );
});

t.test('a backlog goes out in batches of 200, in order, with the service key', async (t) => {
  const { db, worker, key } = await setup(t);
  const stub = await stubReceiver(t);
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < 450; i++) await recordEvent(trx, 'enrolment.paid', { seq: i });
  });
  const w = worker({ subscribers: [{ name: 'stub', url: stub.url }] });
  w.start();
  await waitFor('three batches', async () => stub.calls.length >= 3);
  await sleep(100);
  t.same(
    stub.calls.map((c) => c.body.events.length),
    [200, 200, 50],
  );
  const ids = stub.ids();
  t.equal(ids.length, 450);
  t.ok(
    ids.every((id, i) => i === 0 || id > ids[i - 1]!),
    'ids ascending across batches',
  );
  t.ok(
    stub.calls.every((c) => c.authorization === `Bearer ${key}` && c.body.source === 'enrollment'),
    'source and bearer key',
  );
  t.match(stub.calls[0]?.body.events[0], {
    topic: 'enrolment.paid',
    payload: { seq: 0 },
    createdAt: /^\d{4}-\d\d-\d\dT.*Z$/,
  });
  t.match(await cursor(db, 'stub'), { delivered_through: ids[449], attempts: 0 });
});

t.test('a failing subscriber is retried with backoff while later events wait; others carry on', async (t) => {
  const { db, worker, key, reportingUrl } = await setup(t);
  let failing = true;
  const stub = await stubReceiver(t, () => (failing ? 503 : 200));
  const first = await record(db, 3);
  await settle(db);
  const w = worker({
    subscribers: [
      { name: 'flaky', url: stub.url },
      { name: 'reporting', url: reportingUrl },
    ],
    backoffMs: 100,
  });
  w.start();

  await waitFor('the first failure', async () => (await cursor(db, 'flaky'))?.attempts === 1);
  const failed = await cursor(db, 'flaky');
  t.match(failed, { delivered_through: 0, attempts: 1, backoff_ms: 100 });
  t.equal(failed?.last_error, `HTTP 503: overloaded while storing ${MASKED}; Bearer [key]`);
  t.notMatch(failed?.last_error, ID_NUMBER, 'no ID number in clear');
  t.notMatch(failed?.last_error, key, 'never the key');

  // Events recorded meanwhile wait behind the failing batch, for this subscriber only.
  const later = await record(db, 2);
  w.nudge();
  await waitFor('reporting to get all five', async () => (await received(db)).length === 5);
  await waitFor('three failed attempts', async () => (await cursor(db, 'flaky'))!.attempts >= 3);
  t.equal((await cursor(db, 'flaky'))?.delivered_through, 0, 'the flaky subscriber is still at the start');
  t.same(stub.ids(200), [], 'and has accepted nothing');

  failing = false;
  await waitFor('its cursor to move', async () => (await cursor(db, 'flaky'))?.delivered_through === later[1]);
  const statuses = stub.calls.map((c) => c.status);
  t.ok(
    statuses.indexOf(200) >= 3 && statuses.slice(0, statuses.indexOf(200)).every((s) => s === 503),
    'refused, refused, refused…, then accepted',
  );
  t.ok(
    stub.calls.filter((c) => c.status === 503).every((c) => c.body.events[0]?.id === first[0]),
    'every retry starts with the oldest undelivered event',
  );
  t.same(stub.ids(200), [...first, ...later], 'accepted once each, in order');
  const gaps = [stub.calls[1]!.at - stub.calls[0]!.at, stub.calls[2]!.at - stub.calls[1]!.at];
  t.ok(gaps[0]! >= 95, `first retry after the backoff (${gaps[0]} ms)`);
  t.ok(gaps[1]! >= 195, `second retry after twice that (${gaps[1]} ms)`);
  t.match(await cursor(db, 'flaky'), { attempts: 0, last_error: null });

  const logged = w.log.entries.join('\n');
  t.match(logged, /event delivery failed/);
  t.notMatch(logged, ID_NUMBER, 'logs mask ID numbers');
  t.notMatch(logged, key, 'logs never hold the key');
});

t.test('backoff doubles after each failure up to the cap, and nothing is sent while it runs', async (t) => {
  const { db, worker } = await setup(t);
  const stub = await stubReceiver(t, () => 503);
  await record(db, 1);
  await settle(db);
  const w = worker({ subscribers: [{ name: 'down', url: stub.url }], backoffMs: 100, maxBackoffMs: 350 });

  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    const outcome = (await w.deliverOnce()).down;
    if (outcome?.status !== 'failed') throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
    t.equal(outcome.attempts, i + 1);
    delays.push(outcome.retryInMs);
    const early = (await w.deliverOnce()).down;
    t.equal(early?.status, 'waiting', 'not retried before the backoff ends');
    await sleep(outcome.retryInMs + 15);
  }
  t.same(delays, [100, 200, 350, 350]);
  t.equal(stub.calls.length, 4, 'one call per attempt');
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

t.test('only one replica delivers to a subscriber at a time', async (t) => {
  const { db, worker } = await setup(t);
  const stub = await stubReceiver(t, () => 200, 200);
  await record(db, 3);
  await settle(db);
  const subscribers = [{ name: 'stub', url: stub.url }];
  const a = worker({ subscribers });
  const b = worker({ subscribers });
  const outcomes = await Promise.all([a.deliverOnce(), b.deliverOnce()]);
  t.same(outcomes.map((o) => o.stub?.status).sort(), ['busy', 'delivered']);
  t.equal(stub.calls.length, 1, 'one POST');

  // Both running, events arriving one by one: each is delivered exactly once.
  a.start();
  b.start();
  const more: number[] = [];
  for (let i = 0; i < 10; i++) {
    more.push(...(await record(db, 1)));
    a.nudge();
    b.nudge();
  }
  await waitFor('every event', async () => new Set(stub.ids()).size >= 13);
  await sleep(300);
  // Delivery is at least once: a POST whose answer is lost (a loaded machine, a reset socket) is
  // sent again, and the receiver drops the copy. What exclusion promises is that two replicas
  // never post at the same time, so nothing arrives out of order.
  const unique = [...new Set(stub.ids())];
  t.equal(unique.length, 13, 'every event arrived');
  t.same(unique.slice(3), more, 'in order');
  const overlapping = stub.calls.slice(1).filter((call, i) => call.at < (stub.answered[i] ?? 0));
  t.same(overlapping, [], 'no POST started before the previous one was answered');
});

t.test('an event whose transaction commits late is delivered, not skipped', async (t) => {
  const { db, worker } = await setup(t);
  const stub = await stubReceiver(t);
  const w = worker({ subscribers: [{ name: 'stub', url: stub.url }] });

  // Transaction B takes its transaction id first; A records the smaller outbox id; B records a
  // larger one and commits while A is still open. A cursor on the id alone would pass A's event.
  let releaseB!: () => void;
  const bMayRecord = new Promise<void>((resolve) => {
    releaseB = resolve;
  });
  let bStarted!: () => void;
  const bHasXid = new Promise<void>((resolve) => {
    bStarted = resolve;
  });
  const b = db.transaction().execute(async (trx) => {
    await trx.selectNoFrom((eb) => eb.fn('pg_current_xact_id', []).as('xid')).execute();
    bStarted();
    await bMayRecord;
    await recordEvent(trx, 'enrolment.paid', { step: 'b' });
  });
  await bHasXid;

  let commitA!: () => void;
  const aMayCommit = new Promise<void>((resolve) => {
    commitA = resolve;
  });
  let aRecorded!: () => void;
  const aHasRecorded = new Promise<void>((resolve) => {
    aRecorded = resolve;
  });
  const a = db.transaction().execute(async (trx) => {
    await recordEvent(trx, 'enrolment.paid', { step: 'a' });
    aRecorded();
    await aMayCommit;
  });
  await aHasRecorded;
  releaseB();
  await b;

  const bId = await maxOutboxId(db);
  await waitFor('B’s event', async () => {
    await w.deliverOnce();
    return stub.ids().includes(bId);
  });
  t.same(stub.ids(), [bId], 'B’s event alone, while A is open');

  commitA();
  await a;
  const aId = bId - 1;
  await waitFor('A’s event', async () => {
    await w.deliverOnce();
    return stub.ids().includes(aId);
  });
  t.same(stub.ids(), [bId, aId], 'A’s event after all, each once');

  // And the other way round: a later id is held back until the earlier transaction commits.
  let commitC!: () => void;
  const cMayCommit = new Promise<void>((resolve) => {
    commitC = resolve;
  });
  let cRecorded!: () => void;
  const cHasRecorded = new Promise<void>((resolve) => {
    cRecorded = resolve;
  });
  const c = db.transaction().execute(async (trx) => {
    await recordEvent(trx, 'enrolment.paid', { step: 'c' });
    cRecorded();
    await cMayCommit;
  });
  await cHasRecorded;
  const [dId] = await record(db, 1);
  for (let i = 0; i < 5; i++) await w.deliverOnce();
  t.same(stub.ids(), [bId, aId], 'D waits while C, which took its id first, is open');
  commitC();
  await c;
  await waitFor('C and D', async () => {
    await w.deliverOnce();
    return stub.ids().length === 4;
  });
  t.same(stub.ids(), [bId, aId, dId! - 1, dId], 'C, then D');
});

t.test('a subscriber that does not answer in time counts as a failure', async (t) => {
  const { db, worker } = await setup(t);
  const stub = await stubReceiver(t, () => 200, 1_000);
  await record(db, 1);
  await settle(db);
  const w = worker({ subscribers: [{ name: 'slow', url: stub.url }], timeoutMs: 200 });
  const started = Date.now();
  const outcome = (await w.deliverOnce()).slow;
  const took = Date.now() - started;
  t.match(outcome, { status: 'failed', attempts: 1, error: /timeout/i });
  t.ok(took < 900, `gave up at the timeout (${took} ms)`);
  t.match(await cursor(db, 'slow'), { delivered_through: 0, attempts: 1, last_error: /timeout/i });
});

t.test('stop() waits for the delivery in flight and then sends nothing more', async (t) => {
  const { db, worker } = await setup(t);
  const stub = await stubReceiver(t, () => 200, 300);
  const ids = await record(db, 2);
  const w = worker({ subscribers: [{ name: 'stub', url: stub.url }] });
  w.start();
  await waitFor('the POST to arrive', async () => stub.calls.length === 1);
  await w.stop();
  const stoppedAt = Date.now();
  t.equal(stub.answered.length, 1, 'the receiver had answered');
  t.ok(stub.answered[0]! <= stoppedAt);
  t.equal((await cursor(db, 'stub'))?.delivered_through, ids[1], 'and the cursor moved before stop() returned');

  await record(db, 1);
  w.nudge();
  await sleep(150);
  t.equal(stub.calls.length, 1, 'nothing after stop');
});

t.test('configuration: subscribers default to reporting; bad entries are listed', async (t) => {
  const config = (env: Record<string, string>) => testConfig(env, EnrollmentConfigSchema);
  t.same(eventSubscribers(config({ REPORTING_URL: 'http://reporting.internal:8080/' })), [
    { name: 'reporting', url: 'http://reporting.internal:8080/v1/events' },
  ]);
  t.same(
    eventSubscribers(
      config({ EVENT_SUBSCRIBERS: 'reporting=http://127.0.0.1:3004/v1/events, audit=https://a.example/in' }),
    ),
    [
      { name: 'reporting', url: 'http://127.0.0.1:3004/v1/events' },
      { name: 'audit', url: 'https://a.example/in' },
    ],
  );
  t.equal(config({}).OUTBOX_POLL_MS, 1000);
  t.equal(config({}).SERVICE_API_KEY, undefined);
  let error: unknown;
  try {
    config({
      EVENT_SUBSCRIBERS: 'reporting, Bad=http://x, ok=ftp://x, ok2=http://x, ok2=http://y',
      OUTBOX_POLL_MS: '0',
    });
  } catch (err) {
    error = err;
  }
  t.match(error, {
    name: 'ConfigError',
    issues: [
      { key: 'EVENT_SUBSCRIBERS', message: /entry 1: expected name=url/ },
      { key: 'EVENT_SUBSCRIBERS', message: /entry 2: expected name=url/ },
      { key: 'EVENT_SUBSCRIBERS', message: 'entry 3: the URL of ok is not an http(s) URL' },
      { key: 'EVENT_SUBSCRIBERS', message: 'entry 5: ok2 is named twice' },
      { key: 'OUTBOX_POLL_MS' },
    ],
  });
  t.notMatch(String(error), 'ftp://x', 'URLs are not repeated: they may carry credentials');
});

t.test('the enrollment app delivers when it has a service key, and not without one', async (t) => {
  const { db, reportingUrl, key } = await setup(t);
  const without = await buildApp(ENROLLMENT, enrollmentApp, {
    db,
    config: testConfig(
      { OUTBOX_POLL_MS: '20', EVENT_SUBSCRIBERS: `reporting=${reportingUrl}` },
      EnrollmentConfigSchema,
    ),
  });
  const [id] = await record(db, 1);
  await sleep(150);
  t.same(await received(db), [], 'no key, no delivery');
  await without.close();

  const app = await buildApp(ENROLLMENT, enrollmentApp, {
    db,
    config: testConfig(
      { OUTBOX_POLL_MS: '20', EVENT_SUBSCRIBERS: `reporting=${reportingUrl}`, SERVICE_API_KEY: key },
      EnrollmentConfigSchema,
    ),
  });
  await waitFor('delivery from the app', async () => (await received(db)).length === 1);
  t.equal((await received(db))[0]?.id, id);
  await app.close();
});

t.test('retention removes old events every subscriber has, and nothing a subscriber still waits for', async (t) => {
  const { db } = await setup(t);
  const ids = await record(db, 4);
  await settle(db);
  // Two old events delivered to both subscribers, one old event only to one, one recent.
  await db
    .updateTable('enrollment.outbox')
    .set({ created_at: sql`now() - interval '40 days'` })
    .where('id', 'in', ids.slice(0, 3))
    .execute();
  const rows = await db
    .selectFrom('enrollment.outbox')
    .select(['id', sql<string>`xid::text`.as('xid')])
    .orderBy('id')
    .execute();
  const at = (i: number) => ({ delivered_xid: rows[i]?.xid as string, delivered_through: rows[i]?.id as number });
  await db
    .insertInto('enrollment.outbox_cursors')
    .values([
      { subscriber: 'a', ...at(3) },
      { subscriber: 'b', ...at(1) },
    ])
    .execute();
  t.equal(await pruneOutbox(db, ['a', 'b', 'c'], 30), 0, 'a subscriber without a cursor holds everything');
  t.equal(await pruneOutbox(db, ['a', 'b'], 0), 0, '0 keeps everything');
  t.equal(await pruneOutbox(db, ['a', 'b'], 30), 2);
  const left = (await db.selectFrom('enrollment.outbox').select('id').orderBy('id').execute()).map((r) => r.id);
  t.same(left, ids.slice(2), 'what b has not received, and the recent one, stay');
});
