import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type Db } from '@rmi/db';
import { createOutboxWorker, type OutboxWorkerOptions, pruneOutbox } from '@rmi/outbox';
import { captureOutboxLog, maxOutboxId as maxOutboxIdOf, recordEach, settleOutbox, waitFor } from '@rmi/outbox/testing';
import { buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Test } from 'tap';
import t from 'tap';
import enrollmentApp, { SERVICE as ENROLLMENT } from '../src/app.js';
import { EnrollmentConfigSchema, eventSubscribers } from '../src/config.js';
import { ENROLLMENT_OUTBOX, recordEvent, writeEvents } from '../src/events/outbox.js';

const ID_NUMBER = '500230200001010018';
const MASKED = '500230********0018';
const VILLAGE = '500230209200';

/** A payment's event, as enrollment records it; `seq` tells them apart. */
const paid = (seq: number | string) => ({
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

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

interface Call {
  at: number;
  status: number;
  authorization: string | undefined;
  body: { source: string; events: Array<{ id: number; topic: string; payload: unknown; createdAt: string }> };
}

/** A subscriber of our own: answers `answer(n, body)` to its n-th call (1-based) after `delayMs`. */
async function stubReceiver(t: Test, answer: (n: number, body: Call['body']) => number = () => 200, delayMs = 0) {
  const calls: Call[] = [];
  const answered: number[] = [];
  const app = Fastify();
  app.post('/v1/events', async (req, reply) => {
    const status = answer(calls.length + 1, req.body as Call['body']);
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
  return { url, calls, answered, ids, close: () => app.close() };
}

/** A database clone and a service key; subscribers are stubs of each test's own. */
async function setup(t: Test) {
  const tdb = await createTestDatabase();
  const key = await createTestKey(tdb.db, 'service');
  const workers: Array<{ stop(): Promise<void> }> = [];
  t.teardown(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await tdb.destroy();
  });
  const db = tdb.db;
  return {
    db,
    key: key.key,
    worker(options: Partial<OutboxWorkerOptions> & Pick<OutboxWorkerOptions, 'subscribers'>) {
      const log = captureOutboxLog();
      const worker = createOutboxWorker({
        ...ENROLLMENT_OUTBOX,
        db,
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

type Write = (trx: Db, seq: number) => Promise<void>;
const writePaid: Write = (trx, seq) => recordEvent(trx, 'enrolment.paid', paid(seq));

/** Records events, each in its own committed transaction; returns their outbox ids. */
const record = (db: Db, count: number, write: Write = writePaid) =>
  recordEach(db, ENROLLMENT_OUTBOX.schema, count, write);
const maxOutboxId = (db: Db) => maxOutboxIdOf(db, ENROLLMENT_OUTBOX.schema);

const settle = (db: Db) => settleOutbox(db, ENROLLMENT_OUTBOX.schema);

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

t.test('a backlog goes out in batches of 200, in order, with the service key', async (t) => {
  const { db, worker, key } = await setup(t);
  const stub = await stubReceiver(t);
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < 450; i++) await recordEvent(trx, 'enrolment.paid', paid(i));
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
    payload: { paymentId: 'pay-0' },
    createdAt: /^\d{4}-\d\d-\d\dT.*Z$/,
  });
  t.match(await cursor(db, 'stub'), { delivered_through: ids[449], attempts: 0 });
});

t.test('a failing subscriber is retried with backoff while later events wait; others carry on', async (t) => {
  const { db, worker, key } = await setup(t);
  let failing = true;
  const stub = await stubReceiver(t, () => (failing ? 503 : 200));
  const steady = await stubReceiver(t);
  const first = await record(db, 3);
  await settle(db);
  const w = worker({
    subscribers: [
      { name: 'flaky', url: stub.url },
      { name: 'steady', url: steady.url },
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
  await waitFor('the steady subscriber to get all five', async () => steady.ids().length === 5);
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
    await recordEvent(trx, 'enrolment.paid', paid('b'));
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
    await recordEvent(trx, 'enrolment.paid', paid('a'));
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
    await recordEvent(trx, 'enrolment.paid', paid('c'));
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
  t.equal(config({}).OUTBOX_MAX_ATTEMPTS, 10);
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
  const { db, key } = await setup(t);
  const stub = await stubReceiver(t);
  const without = await buildApp(ENROLLMENT, enrollmentApp, {
    db,
    config: testConfig({ OUTBOX_POLL_MS: '20', EVENT_SUBSCRIBERS: `stub=${stub.url}` }, EnrollmentConfigSchema),
  });
  const [id] = await record(db, 1);
  await sleep(150);
  t.same(stub.calls, [], 'no key, no delivery');
  const admin = await createTestKey(db, 'admin');
  const letter = await db
    .insertInto('enrollment.outbox_dead_letters')
    .values({ subscriber: 'stub', event_ids: [id!], events: '[]', attempts: 10, last_error: 'HTTP 422' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const retry = await without.inject({
    method: 'POST',
    url: `/v1/outbox/dead-letters/${letter.id}/retry`,
    headers: admin.headers,
  });
  t.equal(retry.statusCode, 409);
  t.equal(retry.json().code, 'DELIVERY_DISABLED', 'nor a retry');
  await db.deleteFrom('enrollment.outbox_dead_letters').execute();
  await without.close();

  const app = await buildApp(ENROLLMENT, enrollmentApp, {
    db,
    config: testConfig(
      { OUTBOX_POLL_MS: '20', EVENT_SUBSCRIBERS: `stub=${stub.url}`, SERVICE_API_KEY: key },
      EnrollmentConfigSchema,
    ),
  });
  await waitFor('delivery from the app', async () => stub.ids().length === 1);
  t.same(stub.ids(), [id]);
  t.equal(stub.calls[0]?.authorization, `Bearer ${key}`, 'with its service key');
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
  t.equal(
    await pruneOutbox(db, 'enrollment', ['a', 'b', 'c'], 30),
    0,
    'a subscriber without a cursor holds everything',
  );
  t.equal(await pruneOutbox(db, 'enrollment', ['a', 'b'], 0), 0, '0 keeps everything');
  // A dead letter still waiting to be retried keeps the rows it will send.
  const letter = await db
    .insertInto('enrollment.outbox_dead_letters')
    .values({ subscriber: 'a', event_ids: [ids[0]!], events: '[]', attempts: 10, last_error: 'HTTP 422' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const left = async () =>
    (await db.selectFrom('enrollment.outbox').select('id').orderBy('id').execute()).map((r) => r.id);
  t.equal(await pruneOutbox(db, 'enrollment', ['a', 'b'], 30), 1);
  t.same(
    await left(),
    [ids[0], ...ids.slice(2)],
    'what b has not received, the recent one, and the dead letter’s stay',
  );

  // Redelivered long ago, the dead letter goes, and its rows with it.
  await db
    .updateTable('enrollment.outbox_dead_letters')
    .set({ redelivered_at: sql<Date>`now() - interval '40 days'` })
    .where('id', '=', letter.id)
    .execute();
  t.equal(await pruneOutbox(db, 'enrollment', ['a', 'b'], 30), 1);
  t.same(await left(), ids.slice(2));
  t.same(await db.selectFrom('enrollment.outbox_dead_letters').select('id').execute(), [], 'the dead letter is gone');
});

const deadLetters = (db: Db) => db.selectFrom('enrollment.outbox_dead_letters').selectAll().orderBy('id').execute();

t.test(
  'a batch the subscriber keeps refusing is set aside after OUTBOX_MAX_ATTEMPTS, reported, and later events go on',
  async (t) => {
    const { db, worker, key } = await setup(t);
    const poison = await record(db, 2);
    await settle(db);
    // The receiver crashes on these two events, and on nothing else.
    const stub = await stubReceiver(t, (_, body) => (body.events.some((e) => poison.includes(e.id)) ? 500 : 200));
    // A backoff longer than one round of both replicas on a loaded machine: a replica that finds
    // the lock free only after the other's attempt must find the batch waiting, not try it again.
    const options = {
      subscribers: [{ name: 'stub', url: stub.url }],
      maxAttempts: 3,
      backoffMs: 400,
      maxBackoffMs: 800,
    };
    const w = worker(options);
    // A second replica trying at the same moment: the batch is still set aside once.
    const replica = worker(options);

    const outcomes = [];
    while (outcomes.length < 3) {
      const both = await Promise.all([w.deliverOnce(), replica.deliverOnce()]);
      const acted = both.map((o) => o.stub).filter((o) => o?.status !== 'busy' && o?.status !== 'waiting');
      t.ok(acted.length <= 1, 'one replica at a time');
      outcomes.push(...acted);
      const waiting = both.map((o) => o.stub).find((o) => o?.status === 'waiting');
      if (acted.length === 0) await sleep(waiting?.status === 'waiting' ? waiting.retryInMs + 5 : 5);
    }
    t.match(outcomes, [
      { status: 'failed', attempts: 1 },
      { status: 'failed', attempts: 2 },
      { status: 'set-aside', attempts: 3, events: 2, throughId: poison[1] },
    ]);
    const [letter, ...others] = await deadLetters(db);
    t.same(others, [], 'one dead letter');
    t.match(letter, {
      subscriber: 'stub',
      attempts: 3,
      last_error: `HTTP 500: overloaded while storing ${MASKED}; Bearer [key]`,
      redelivered_at: null,
    });
    t.same(letter?.event_ids.map(Number), poison, 'it names the events it holds');
    t.match(letter?.events, [
      { id: poison[0], topic: 'enrolment.paid', payload: { idNumber: MASKED, paymentId: 'pay-0' } },
      { id: poison[1], topic: 'enrolment.paid', payload: { idNumber: MASKED, paymentId: 'pay-1' } },
    ]);
    t.notMatch(JSON.stringify(letter), ID_NUMBER, 'no ID number in clear');
    t.notMatch(JSON.stringify(letter), key, 'never the key');
    t.match(await cursor(db, 'stub'), { delivered_through: poison[1], attempts: 0, last_error: null });

    const warned = [...w.log.entries, ...replica.log.entries]
      .map((e) => JSON.parse(e))
      .filter((e) => e.level === 'warn' && /set aside/.test(e.msg));
    t.match(warned, [{ subscriber: 'stub', deadLetterId: letter?.id, events: 2, fromId: poison[0], attempts: 3 }]);
    t.match(warned[0]?.msg, `/v1/outbox/dead-letters/${letter?.id}/retry`, 'the warning says how to retry it');
    t.notMatch([...w.log.entries, ...replica.log.entries].join('\n'), ID_NUMBER);

    // The subscriber's later events are no longer held behind the refused batch.
    const later = await record(db, 2);
    await settle(db);
    t.match((await w.deliverOnce()).stub, { status: 'delivered', events: 2, throughId: later[1] });
    t.same(stub.ids(200), later, 'accepted, in order');
    t.equal(
      (await db.selectFrom('enrollment.outbox').select('id').where('id', 'in', poison).execute()).length,
      2,
      'the refused events stay in the outbox for a retry',
    );
  },
);

t.test('a subscriber that is away is retried for ever: only a refusal of the batch sets it aside', async (t) => {
  const { db, worker } = await setup(t);
  await record(db, 1);
  await settle(db);
  const busy = await stubReceiver(t, () => 503);
  const closed = await stubReceiver(t);
  const closedUrl = closed.url;
  // Nothing listens on the port any more: connection refused.
  await closed.close();
  const w = worker({
    subscribers: [
      { name: 'busy', url: busy.url },
      { name: 'gone', url: closedUrl },
    ],
    maxAttempts: 2,
    backoffMs: 10,
    maxBackoffMs: 10,
  });
  let failures = 0;
  while (failures < 10) {
    const outcomes = Object.values(await w.deliverOnce());
    t.notOk(
      outcomes.some((o) => o.status === 'set-aside'),
      'never set aside',
    );
    failures += outcomes.filter((o) => o.status === 'failed').length;
    await sleep(12);
  }
  t.same(await deadLetters(db), [], 'no dead letter');
  t.match(await cursor(db, 'busy'), { delivered_through: 0, last_error: /^HTTP 503/ });
  t.match(await cursor(db, 'gone'), { delivered_through: 0, last_error: /ECONNREFUSED/ });
});

t.test(
  'an admin lists dead letters and retries one once the subscriber is fixed; retries at once send it once',
  async (t) => {
    const { db, key } = await setup(t);
    let fixed = false;
    const poison = await record(db, 1);
    const stub = await stubReceiver(t, (_, body) =>
      !fixed && body.events.some((e) => poison.includes(e.id)) ? 422 : 200,
    );
    const app = await buildApp(ENROLLMENT, enrollmentApp, {
      db,
      config: testConfig(
        {
          OUTBOX_POLL_MS: '20',
          OUTBOX_MAX_ATTEMPTS: '2',
          EVENT_SUBSCRIBERS: `stub=${stub.url}`,
          SERVICE_API_KEY: key,
        },
        EnrollmentConfigSchema,
      ),
    });
    t.teardown(() => app.close());
    const admin = await createTestKey(db, 'admin');
    const inject = (method: 'GET' | 'POST', url: string, headers = admin.headers) =>
      app.inject({ method, url, headers });

    await waitFor('the batch to be set aside', async () => (await deadLetters(db)).length === 1);
    const [later] = await record(db, 1);
    await waitFor('the later event', async () => stub.ids(200).includes(later!));

    const list = await inject('GET', '/v1/outbox/dead-letters');
    t.equal(list.statusCode, 200);
    t.match(list.headers['content-type'], /^application\/json/);
    t.match(list.json(), [
      {
        subscriber: 'stub',
        status: 'set-aside',
        attempts: 2,
        lastError: /^HTTP 422/,
        redeliveredAt: null,
        events: [{ id: poison[0], topic: 'enrolment.paid', payload: { idNumber: MASKED } }],
      },
    ]);
    t.notMatch(list.body, ID_NUMBER, 'ID numbers masked');
    const id = list.json()[0].id as number;

    for (const role of ['county-operator', 'service'] as const) {
      const other = await createTestKey(db, role, role === 'service' ? {} : { regionCode: '500230' });
      for (const [method, url] of [
        ['GET', '/v1/outbox/dead-letters'],
        ['POST', `/v1/outbox/dead-letters/${id}/retry`],
      ] as const) {
        const res = await inject(method, url, other.headers);
        t.equal(res.statusCode, 403, `${role}: ${method} ${url}`);
        t.equal(res.json().code, 'FORBIDDEN_ROLE');
      }
    }
    t.equal((await inject('GET', '/v1/outbox/dead-letters/999999')).json().code, 'DEAD_LETTER_NOT_FOUND');
    const missing = await inject('POST', '/v1/outbox/dead-letters/999999/retry');
    t.equal(missing.statusCode, 404);
    t.equal(missing.json().code, 'DEAD_LETTER_NOT_FOUND');

    // Still refused: the dead letter stays, with one more attempt and the new error.
    const refused = await inject('POST', `/v1/outbox/dead-letters/${id}/retry`);
    t.equal(refused.statusCode, 502);
    t.match(refused.headers['content-type'], /^application\/problem\+json/);
    t.match(refused.json(), { code: 'DEAD_LETTER_REFUSED', detail: /HTTP 422/ });
    t.notMatch(refused.body, ID_NUMBER);
    t.match((await inject('GET', `/v1/outbox/dead-letters/${id}`)).json(), { status: 'set-aside', attempts: 3 });

    // Fixed: two retries at once; the subscriber gets the events once, as recorded.
    fixed = true;
    const before = stub.calls.length;
    const retries = await Promise.all([
      inject('POST', `/v1/outbox/dead-letters/${id}/retry`),
      inject('POST', `/v1/outbox/dead-letters/${id}/retry`),
    ]);
    t.same(
      retries.map((r) => r.statusCode),
      [200, 200],
    );
    for (const r of retries) t.match(r.json(), { id, status: 'redelivered', attempts: 4, redeliveredAt: /Z$/ });
    const sent = stub.calls.slice(before).filter((c) => c.body.events.some((e) => poison.includes(e.id)));
    t.equal(sent.length, 1, 'one POST');
    t.same(
      sent[0]?.body.events.map((e) => e.payload),
      [paid(0)],
      'the payload as recorded, ID number and all',
    );
    t.equal(sent[0]?.authorization, `Bearer ${key}`);

    t.same((await inject('GET', '/v1/outbox/dead-letters?status=set-aside')).json(), []);
    t.equal((await inject('GET', '/v1/outbox/dead-letters?status=redelivered')).json().length, 1);
    const audit = await db
      .selectFrom('core.audit_log')
      .select(['actor_key_id', 'entity_id', 'details'])
      .where('action', '=', 'outbox.dead-letter.retry')
      .orderBy('id')
      .execute();
    t.match(audit, [
      { actor_key_id: admin.id, entity_id: String(id), details: { subscriber: 'stub', delivered: false } },
      { actor_key_id: admin.id, entity_id: String(id), details: { subscriber: 'stub', delivered: true } },
    ]);

    const docs = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    t.ok(docs.paths['/v1/outbox/dead-letters/{id}/retry']?.post, 'the retry is in the OpenAPI document');
  },
);

t.test('an event that does not fit its topic is refused, and the change it belongs to with it', async (t) => {
  const { db } = await setup(t);
  const before = await maxOutboxId(db);
  const person = {
    idNumber: ID_NUMBER,
    hukouRegionCode: VILLAGE,
    category: 'resident' as const,
    sex: 'male' as const,
    birthDate: '2000-01-01',
    householdId: null,
    diedOn: null,
  };
  await t.rejects(
    db.transaction().execute(async (trx) => {
      await recordEvent(trx, 'enrolment.paid', paid(1));
      // @ts-expect-error names and phones stay out of events
      await recordEvent(trx, 'person.registered', { ...person, name: '张三' });
    }),
    {
      name: 'EventPayloadError',
      message: 'event person.registered does not fit its schema: payload: unrecognized_keys (name)',
    },
  );
  await t.rejects(
    db.transaction().execute((trx) =>
      // @ts-expect-error a registration carries its tier
      recordEvent(trx, 'enrolment.registered', { idNumber: ID_NUMBER, year: 2025, regionCode: VILLAGE }),
    ),
    { name: 'EventPayloadError', message: /tier: invalid/ },
  );
  // The change runner's events arrive untyped: checked all the same.
  await t.rejects(
    db.transaction().execute((trx) =>
      writeEvents(trx, [
        { topic: 'enrolment.paid', payload: paid(2) },
        { topic: 'enrolment.refunded', payload: { idNumber: ID_NUMBER } },
      ]),
    ),
    {
      name: 'EventPayloadError',
      message: 'event enrolment.refunded does not fit its schema: enrollment publishes no such topic',
    },
  );
  let error: Error | undefined;
  try {
    await db
      .transaction()
      .execute((trx) =>
        writeEvents(trx, [
          { topic: 'household.changed', payload: { householdId: 'h1', regionCode: VILLAGE, idNumber: ID_NUMBER } },
        ]),
      );
  } catch (err) {
    error = err as Error;
  }
  t.match(error?.message, /householdId: invalid_format.*payload: unrecognized_keys \(idNumber\)/);
  t.notMatch(error?.message, ID_NUMBER, 'the message names fields, not values');
  t.equal(await maxOutboxId(db), before, 'nothing of those transactions is in the outbox');

  await db.transaction().execute((trx) =>
    writeEvents(trx, [
      { topic: 'enrolment.registered', payload: { idNumber: ID_NUMBER, year: 2025, regionCode: VILLAGE, tier: 2 } },
      { topic: 'enrolment.paid', payload: paid(3) },
    ]),
  );
  const written = await db
    .selectFrom('enrollment.outbox')
    .select(['topic', 'payload'])
    .where('id', '>', before)
    .orderBy('id')
    .execute();
  t.same(written, [
    { topic: 'enrolment.registered', payload: { idNumber: ID_NUMBER, year: 2025, regionCode: VILLAGE, tier: 2 } },
    { topic: 'enrolment.paid', payload: paid(3) },
  ]);
});
