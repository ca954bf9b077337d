import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventBatchSchema } from '@rmi/contracts';
import { createTestDatabase, type Db } from '@rmi/db';
import Fastify from 'fastify';
import { sql } from 'kysely';
import type { Test } from 'tap';
import t from 'tap';
import { z } from 'zod';
import {
  createDeadLetterStore,
  createEventReceiver,
  createEventRecorder,
  createOutboxWorker,
  type OutboxLog,
  type OutboxWorker,
  refusesTheBatch,
} from '../src/index.js';

// A publisher other than enrollment, in a schema of its own, as subsidy-identity and
// payment-reconciliation will have: the same tables under the same names, made here as their
// migrations will make them.
const SCHEMA = 'publisher_demo';
const SOURCE = 'subsidy-identity';
const ID_NUMBER = '500230200001010018';
const MASKED = '500230********0018';

async function createOutboxTables(db: Db): Promise<void> {
  await sql`create schema ${sql.id(SCHEMA)}`.execute(db);
  await sql`create table ${sql.id(SCHEMA, 'outbox')} (
    id bigserial primary key, topic text not null, payload jsonb not null,
    created_at timestamptz not null default now(), xid xid8 not null default pg_current_xact_id())`.execute(db);
  await sql`create index on ${sql.id(SCHEMA, 'outbox')} (xid, id)`.execute(db);
  await sql`create table ${sql.id(SCHEMA, 'outbox_cursors')} (
    subscriber text primary key, delivered_through bigint not null default 0,
    delivered_xid xid8 not null default '0', attempts integer not null default 0,
    refusals integer not null default 0, next_attempt_at timestamptz not null default now(),
    last_error text, updated_at timestamptz not null default now())`.execute(db);
  await sql`create table ${sql.id(SCHEMA, 'outbox_dead_letters')} (
    id bigserial primary key, subscriber text not null, event_ids bigint[] not null, events jsonb not null,
    attempts integer not null, last_error text not null, set_aside_at timestamptz not null default now(),
    redelivered_at timestamptz, updated_at timestamptz not null default now())`.execute(db);
}

const TOPICS = {
  'identity.added': z.strictObject({ idNumber: z.string(), identity: z.string(), from: z.iso.date() }),
};

const quietLog: OutboxLog = { debug() {}, info() {}, warn() {}, error() {} };

/** A receiver as reporting runs it (`createEventReceiver` on `reporting.received_events`), over a real socket. */
async function receiver(t: Test, db: Db, refuse: (ids: number[]) => boolean = () => false, delayMs = 0) {
  const store = createEventReceiver(db, 'reporting');
  const posts: number[][] = [];
  const app = Fastify();
  app.post('/v1/events', async (req, reply) => {
    const batch = EventBatchSchema.parse(req.body);
    const ids = batch.events.map((e) => e.id);
    posts.push(ids);
    if (delayMs) await sleep(delayMs);
    if (refuse(ids)) return reply.code(422).send({ code: 'EVENT_INVALID', detail: `cannot count ${ID_NUMBER}` });
    return store.store(batch.source, batch.events);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/events`, posts };
}

async function setup(t: Test) {
  const tdb = await createTestDatabase();
  await createOutboxTables(tdb.db);
  const workers: Array<{ stop(): Promise<void> }> = [];
  t.teardown(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await tdb.destroy();
  });
  const recorder = createEventRecorder(SCHEMA, TOPICS);
  const record = async (count: number) => {
    await tdb.db.transaction().execute(async (trx) => {
      for (let i = 0; i < count; i++) {
        await recorder.recordEvent(trx, 'identity.added', {
          idNumber: ID_NUMBER,
          identity: `dibao-${i}`,
          from: '2025-01-01',
        });
      }
    });
    const rows = await sql<{ id: number }>`select id from ${sql.id(SCHEMA, 'outbox')} order by id`.execute(tdb.db);
    return rows.rows.map((r) => Number(r.id));
  };
  const worker = (url: string, options: { maxAttempts?: number; schema?: string; source?: string } = {}) => {
    const w = createOutboxWorker({
      db: tdb.db,
      schema: SCHEMA,
      source: SOURCE,
      subscribers: [{ name: 'reporting', url }],
      apiKey: 'rmi_test_key',
      log: quietLog,
      backoffMs: 10,
      maxBackoffMs: 10,
      ...options,
    });
    workers.push(w);
    return w;
  };
  return { db: tdb.db, recorder, record, worker };
}

/**
 * Waits until every recorded event is past the delivery horizon. Test databases share one server,
 * and a transaction left open in another database holds the horizon back for a moment.
 */
async function settle(db: Db, schema: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.id(schema, 'outbox')}
      where xid >= pg_snapshot_xmin(pg_current_snapshot())`.execute(db);
    if (rows[0]?.n === 0) return;
    await sleep(10);
  }
  throw new Error('timed out waiting for the delivery horizon');
}

/** Delivers until something other than a backoff wait comes back. */
async function deliver(w: OutboxWorker) {
  for (;;) {
    const outcome = (await w.deliverOnce()).reporting;
    if (outcome?.status !== 'waiting' && outcome?.status !== 'idle') return outcome;
    await sleep(outcome.status === 'waiting' ? outcome.retryInMs + 2 : 10);
  }
}

t.test('another publisher records in its own schema and reaches the receiver under its own source', async (t) => {
  const { db, recorder, record, worker } = await setup(t);
  const enrollmentBefore = await db.selectFrom('enrollment.outbox').select('id').execute();
  const ids = await record(3);
  t.equal(ids.length, 3);
  t.same(
    await db.selectFrom('enrollment.outbox').select('id').execute(),
    enrollmentBefore,
    'enrollment’s outbox untouched',
  );

  await t.rejects(
    db.transaction().execute((trx) =>
      // @ts-expect-error this publisher has no such topic
      recorder.recordEvent(trx, 'enrolment.paid', { idNumber: ID_NUMBER }),
    ),
    { name: 'EventPayloadError', message: /publisher_demo publishes no such topic/ },
  );

  const reporting = await receiver(t, db);
  t.match(await deliver(worker(reporting.url)), { status: 'delivered', events: 3, throughId: ids[2] });
  const stored = await db
    .selectFrom('reporting.received_events')
    .select(['id', 'topic', 'payload'])
    .where('source', '=', SOURCE)
    .orderBy('id')
    .execute();
  t.same(
    stored.map((r) => r.id),
    ids,
  );
  t.same(stored[0]?.payload, { idNumber: ID_NUMBER, identity: 'dibao-0', from: '2025-01-01' });
  const cursors = await sql<{ delivered_through: number }>`
    select delivered_through from ${sql.id(SCHEMA, 'outbox_cursors')} where subscriber = 'reporting'`.execute(db);
  t.equal(Number(cursors.rows[0]?.delivered_through), ids[2], 'the cursor lives in the publisher’s schema');
  t.same(
    await db.selectFrom('enrollment.outbox_cursors').select('subscriber').execute(),
    [],
    'enrollment has no cursor for it',
  );
});

t.test('two publishers deliver to the same subscriber at the same time; neither waits for the other', async (t) => {
  const { db, record, worker } = await setup(t);
  await record(1);
  await db
    .transaction()
    .execute((trx) => sql`insert into enrollment.outbox (topic, payload) values ('target.set', '{}')`.execute(trx));
  const slow = await receiver(t, db, () => false, 200);
  const ours = worker(slow.url);
  const enrollment = worker(slow.url, { schema: 'enrollment', source: 'enrollment' });
  await settle(db, SCHEMA);
  await settle(db, 'enrollment');
  const outcomes = await Promise.all([ours.deliverOnce(), enrollment.deliverOnce()]);
  t.same(
    outcomes.map((o) => o.reporting?.status),
    ['delivered', 'delivered'],
    'each outbox has its own lock per subscriber',
  );
});

t.test('a refused batch of another publisher is set aside in its schema, listed, and redelivered', async (t) => {
  const { db, record, worker } = await setup(t);
  const ids = await record(2);
  let refusing = true;
  const reporting = await receiver(t, db, () => refusing);
  const w = worker(reporting.url, { maxAttempts: 2 });
  t.match(await deliver(w), { status: 'failed', attempts: 1 });
  t.match(await deliver(w), { status: 'set-aside', attempts: 2, events: 2 });

  const store = createDeadLetterStore(db, SCHEMA);
  const [letter] = await store.list({ limit: 20 });
  t.match(letter, {
    subscriber: 'reporting',
    status: 'set-aside',
    attempts: 2,
    lastError: `HTTP 422 EVENT_INVALID: cannot count ${MASKED}`,
    events: [{ id: ids[0], payload: { idNumber: MASKED } }, { id: ids[1] }],
  });
  if (!letter) return;

  refusing = false;
  t.match(await w.redeliver(letter.id), { status: 'redelivered', posted: true, deadLetter: { status: 'redelivered' } });
  t.match(await w.redeliver(letter.id), { status: 'redelivered', posted: false }, 'a second retry sends nothing');
  t.equal(reporting.posts.length, 3, 'two refused deliveries and one retry');
  const stored = await db
    .selectFrom('reporting.received_events')
    .select('payload')
    .where('source', '=', SOURCE)
    .execute();
  t.same(
    stored.map((r) => (r.payload as { idNumber: string }).idNumber),
    [ID_NUMBER, ID_NUMBER],
    'the events as recorded reached the receiver',
  );
  t.same(await w.redeliver(999_999), { status: 'not-found' });
});

t.test('which answers count as a refusal of the batch, and which say the subscriber is away', async (t) => {
  const rows: Array<[number, boolean, string]> = [
    [400, true, 'bad request: the receiver cannot read this batch'],
    [413, true, 'the batch is too large for it'],
    [422, true, 'it refuses what the batch holds'],
    [500, true, 'it crashed on this batch'],
    [401, false, 'our key is unknown: a configuration problem'],
    [403, false, 'our key has the wrong role'],
    [404, false, 'wrong URL'],
    [408, false, 'it timed out reading'],
    [429, false, 'rate limited'],
    [502, false, 'its proxy has no backend'],
    [503, false, 'it is down or busy (DATABASE_BUSY)'],
    [504, false, 'its proxy timed out'],
    [301, false, 'a redirect is a configuration problem'],
  ];
  for (const [status, refused, why] of rows) t.equal(refusesTheBatch(status), refused, `${status}: ${why}`);
});
