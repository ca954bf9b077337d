import { createTestDatabase } from '@rmi/db';
import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import t from 'tap';
import { type Actor, actorOf } from '../src/actor.js';
import { createChangeRunner, type EventWriter } from '../src/change.js';
import serviceKit from '../src/kit.js';
import { buildApp, createTestKey, testConfig } from '../src/testing.js';

const tdb = await createTestDatabase();
t.teardown(() => tdb.destroy());
const { db } = tdb;

// A table of things to change and an outbox of its own, so the runner is tried without any service.
await sql`create table probe_things (id text primary key, n integer not null)`.execute(db);
await sql`create table probe_events (seq serial primary key, topic text not null, payload jsonb not null)`.execute(db);

interface ProbeDatabase {
  probe_things: { id: string; n: number };
}
const probe = db as unknown as Kysely<ProbeDatabase>;

const writeEvents: EventWriter = async (trx, events) => {
  for (const e of events) {
    await sql`insert into probe_events (topic, payload) values (${e.topic}, ${JSON.stringify(e.payload)}::jsonb)`.execute(
      trx,
    );
  }
};

const key = await createTestKey(db, 'county-operator', { regionCode: '500230' });
const actor = (requestId: string): Actor => ({
  keyId: key.id,
  role: 'county-operator',
  regionCode: '500230',
  department: null,
  requestId,
});

const things = async (id: string) =>
  (await probe.selectFrom('probe_things').selectAll().where('id', '=', id).executeTakeFirst())?.n;
const audits = (requestId: string) =>
  db.selectFrom('core.audit_log').selectAll().where('request_id', '=', requestId).orderBy('id').execute();
const events = async (topic: string) =>
  (
    await sql<{
      payload: Record<string, unknown>;
    }>`select payload from probe_events where topic = ${topic} order by seq`.execute(db)
  ).rows.map((r) => r.payload);

t.test('a change commits with its audit rows and events, then afterCommit sees them committed', async (t) => {
  let seenAfterCommit: number | undefined;
  const run = createChangeRunner(probe, {
    service: 'probe',
    writeEvents,
    afterCommit: () => {
      // Another session of the pool: only a committed change is visible there.
      void things('a').then((n) => {
        seenAfterCommit = n;
      });
    },
  });
  const answer = await run(actor('req-commit'), async (change) => {
    await change.trx.insertInto('probe_things').values({ id: 'a', n: 1 }).execute();
    change.audit({
      action: 'thing.create',
      entity: 'thing',
      entityId: '11010519491231002X',
      regionCode: '500230',
      details: { owner: '11010519491231002X' },
    });
    change.emit('thing.created', { id: 'a' });
    change.emit('thing.counted', { id: 'a', n: 1 });
    return 'done';
  });
  t.equal(answer, 'done', 'the work’s answer comes back');
  t.equal(await things('a'), 1);
  const [row, ...more] = await audits('req-commit');
  t.same(more, [], 'one audit row');
  t.match(row, {
    service: 'probe',
    actor_key_id: key.id,
    action: 'thing.create',
    entity_id: '110105********002X',
    region_code: '500230',
    details: { owner: '110105********002X' },
  });
  t.same(await events('thing.created'), [{ id: 'a' }]);
  t.same(await events('thing.counted'), [{ id: 'a', n: 1 }]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(seenAfterCommit, 1, 'afterCommit ran once the change was visible to others');
});

t.test('a change that throws leaves nothing: no write, no audit row, no event, no afterCommit', async (t) => {
  let after = 0;
  const run = createChangeRunner(probe, { service: 'probe', writeEvents, afterCommit: () => after++ });
  const boom = run(actor('req-throw'), async (change) => {
    await change.trx.insertInto('probe_things').values({ id: 'b', n: 1 }).execute();
    change.audit({ action: 'thing.create', entity: 'thing' });
    change.emit('thing.lost', { id: 'b' });
    throw new Error('refused halfway');
  });
  await t.rejects(boom, { message: 'refused halfway' }, 'the work’s error reaches the caller');
  t.equal(await things('b'), undefined);
  t.same(await audits('req-throw'), []);
  t.same(await events('thing.lost'), []);
  t.equal(after, 0);

  // An outbox that refuses the event takes the change and its audit row down with it.
  const failing = createChangeRunner(probe, {
    service: 'probe',
    writeEvents: async () => {
      throw new Error('outbox refused');
    },
  });
  await t.rejects(
    failing(actor('req-outbox'), async (change) => {
      await change.trx.insertInto('probe_things').values({ id: 'c', n: 1 }).execute();
      change.audit({ action: 'thing.create', entity: 'thing' });
      change.emit('thing.lost', { id: 'c' });
    }),
    { message: 'outbox refused' },
  );
  t.equal(await things('c'), undefined);
  t.same(await audits('req-outbox'), []);
});

t.test('an entry noted after the change ended is refused, not silently lost', async (t) => {
  const run = createChangeRunner(probe, { service: 'probe', writeEvents });
  let late: (() => void) | undefined;
  await run(actor('req-late'), async (change) => {
    late = () => change.emit('thing.late', {});
  });
  t.throws(() => late?.(), /noted after its change ended/);
  t.same(await events('thing.late'), []);
});

t.test('40 concurrent changes, a quarter refused: each kept change has exactly its audit row and event', async (t) => {
  let commits = 0;
  const run = createChangeRunner(probe, { service: 'probe', writeEvents, afterCommit: () => commits++ });
  await probe.insertInto('probe_things').values({ id: 'counter', n: 0 }).execute();
  const outcomes = await Promise.allSettled(
    Array.from({ length: 40 }, (_, i) =>
      run(actor(`req-many-${i}`), async (change) => {
        const row = await change.trx
          .selectFrom('probe_things')
          .select('n')
          .where('id', '=', 'counter')
          .forUpdate()
          .executeTakeFirstOrThrow();
        await change.trx
          .updateTable('probe_things')
          .set({ n: row.n + 1 })
          .where('id', '=', 'counter')
          .execute();
        change.audit({ action: 'counter.bump', entity: 'thing', details: { from: row.n, i } });
        change.emit('counter.bumped', { from: row.n, i });
        if (i % 4 === 3) throw new Error(`refused ${i}`);
        return row.n;
      }),
    ),
  );
  const kept = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
  t.equal(kept.length, 30);
  t.equal(commits, 30, 'afterCommit once per committed change');
  t.equal(await things('counter'), 30, 'no lost update, nothing of a refused change');
  const bumped = await events('counter.bumped');
  t.same(
    bumped.map((e) => e.i).sort((a, b) => Number(a) - Number(b)),
    kept,
    'one event per kept change',
  );
  t.same(
    bumped.map((e) => e.from),
    Array.from({ length: 30 }, (_, n) => n),
    'events in commit order, each with what its change saw',
  );
  for (const i of [0, 3, 29, 39]) {
    const rows = await audits(`req-many-${i}`);
    t.equal(rows.length, i % 4 === 3 ? 0 : 1, `change ${i}: ${i % 4 === 3 ? 'no' : 'one'} audit row`);
  }
});

t.test('a request becomes an Actor: its key, role and scope and its request id; no key, only the id', async (t) => {
  const config = testConfig();
  const app = await buildApp(
    'probe',
    async (app: FastifyInstance) => {
      await app.register(serviceKit, { service: 'probe', description: 'test', db, config });
      app.get('/actor', async (request) => actorOf(request));
      app.get('/public-actor', { config: { public: true } }, async (request) => actorOf(request));
    },
    { db, config },
  );
  t.teardown(() => app.close());
  const withKey = await app.inject({ url: '/actor', headers: { ...key.headers, 'x-request-id': 'req-actor' } });
  t.same(withKey.json(), {
    keyId: key.id,
    role: 'county-operator',
    regionCode: '500230',
    department: null,
    requestId: 'req-actor',
  });
  const anonymous = await app.inject({ url: '/public-actor', headers: { 'x-request-id': 'req-public' } });
  t.same(anonymous.json(), { keyId: null, role: null, regionCode: null, department: null, requestId: 'req-public' });
});
