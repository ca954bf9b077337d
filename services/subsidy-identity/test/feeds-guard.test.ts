import { IDENTITY_EVENTS } from '@rmi/contracts';
import { maxOutboxId, outboxSince } from '@rmi/outbox/testing';
import { createTestKey } from '@rmi/service-kit';
import { sql } from 'kysely';
import t from 'tap';
import { csvOf, idNumbers, postFeed, setupFeeds, spellsOf, V } from './feeds-helpers.js';

// The truncated-file guard: a list cut short is held and changes nothing until someone who may
// decide confirms it (applied as computed) or discards it (dropped).

const { app, db } = await setupFeeds(t);
const civil = await createTestKey(db, 'department-feed', { department: 'civil-affairs' });
const rural = await createTestKey(db, 'department-feed', { department: 'rural-affairs' });
const admin = await createTestKey(db, 'admin');
const idNumber = idNumbers();

const HEADER = ['身份证号码', '姓名', '身份类别', '镇（街）', '村（居）'];
const people = Array.from({ length: 20 }, () => idNumber());
const whole = csvOf([HEADER, ...people.map((id, i) => [id, `居民${i}`, '城乡低保对象', '社坛镇', '德盛村'])]);
/** The file as a broken download leaves it: 30% of its bytes, cut mid-line. */
const cut = Buffer.from(whole).subarray(0, Math.floor(Buffer.byteLength(whole) * 0.3));

const decide = (id: string, action: 'confirm' | 'discard', key = civil) =>
  app.inject({ method: 'POST', url: `/v1/feeds/batches/${id}/${action}`, headers: key.headers });

const first = await postFeed(app, civil, whole, { query: 'mode=snapshot&period=2025-01' });
if (first.statusCode !== 201) throw new Error(first.body);

t.test('a file cut at 30% is held: nothing changes until someone decides', async (t) => {
  const before = await spellsOf(db, 'civil-affairs');
  const outboxBefore = await maxOutboxId(db, 'identity');
  const res = await postFeed(app, civil, cut, { query: 'mode=snapshot&period=2025-02' });
  t.equal(res.statusCode, 202, res.body);
  const held = res.json();
  t.match(held, {
    status: 'held',
    heldReason: /remove 1[0-9] of the 20 .* fewer than 80% of the 20/,
    confirmUrl: `/v1/feeds/batches/${held.batchId}/confirm`,
  });
  // The line the cut went through is a bad row; its person, when the ID number is whole, keeps what they had.
  t.ok(held.counts.valid >= 5 && held.counts.valid <= 6, `${held.counts.valid} valid rows`);
  t.ok(held.counts.removed >= 20 - held.counts.valid - 1 && held.counts.removed <= 20 - held.counts.valid);
  t.same(await spellsOf(db, 'civil-affairs'), before);
  t.equal(await maxOutboxId(db, 'identity'), outboxBefore);

  t.test('another post of the department waits for the decision (409 BATCH_HELD); a dry run does not', async (t) => {
    const again = await postFeed(app, civil, whole, { query: 'mode=snapshot&period=2025-02' });
    t.equal(again.statusCode, 409);
    t.match(again.json(), { code: 'BATCH_HELD', heldBatchId: held.batchId });
    const dry = await postFeed(app, civil, whole, { query: 'mode=snapshot&period=2025-02&dryRun=true' });
    t.equal(dry.statusCode, 200);
    t.match(dry.json(), { status: 'dry-run', counts: { unchanged: 20, removed: 0 } });
    t.notOk(dry.json().heldReason);
    const dryCut = await postFeed(app, civil, cut, { query: 'mode=snapshot&period=2025-02&dryRun=true' });
    t.match(dryCut.json(), { status: 'dry-run', heldReason: /would be held: it would remove/ });
    const otherDepartment = await postFeed(
      app,
      rural,
      csvOf([HEADER, [idNumber(), '某', '稳定脱贫人口', '社坛镇', '德盛村']]),
      { department: 'rural-affairs', query: 'mode=snapshot&period=2025-02' },
    );
    t.equal(otherDepartment.statusCode, 201, 'another department is not held up');
  });

  t.test('another department’s key may not decide it', async (t) => {
    const res = await decide(held.batchId, 'discard', rural);
    t.equal(res.statusCode, 403);
    t.equal(res.json().code, 'OUT_OF_SCOPE');
  });

  t.test('discard drops it: nothing applied, its changes gone, the department free again', async (t) => {
    const res = await decide(held.batchId, 'discard');
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { status: 'discarded', batchId: held.batchId });
    t.notOk(res.json().confirmUrl);
    t.same(await spellsOf(db, 'civil-affairs'), before);
    const changes = await db
      .selectFrom('identity.batch_changes')
      .select('id_number')
      .where('batch_id', '=', held.batchId)
      .execute();
    t.same(changes, []);
    const twice = await decide(held.batchId, 'confirm');
    t.equal(twice.statusCode, 409);
    t.equal(twice.json().code, 'BATCH_NOT_HELD');
  });
});

t.test('confirm applies a held batch exactly as it was computed', async (t) => {
  const res = await postFeed(app, civil, cut, { query: 'mode=snapshot&period=2025-02' });
  t.equal(res.statusCode, 202, res.body);
  const held = res.json();
  const outboxBefore = await maxOutboxId(db, 'identity');
  const confirmed = await decide(held.batchId, 'confirm');
  t.equal(confirmed.statusCode, 200, confirmed.body);
  t.match(confirmed.json(), { status: 'applied', batchId: held.batchId, counts: held.counts });
  const current = (await spellsOf(db, 'civil-affairs')).filter((s) => s.current);
  t.equal(current.length, 20 - held.counts.removed);
  const ended = (await spellsOf(db, 'civil-affairs')).filter((s) => !s.current);
  t.equal(ended.length, held.counts.removed);
  for (const s of ended) t.match(s, { valid_to: '2025-01-31', ended_reason: 'absent' });
  const events = await outboxSince(db, 'identity', outboxBefore);
  t.equal(events.length, held.counts.removed);
  for (const e of events) t.ok(IDENTITY_EVENTS['identity.ended'].safeParse(e.payload).success);
  const audit = await sql<{ action: string }>`
    select action from core.audit_log where entity_id = ${held.batchId} order by id`.execute(db);
  t.same(
    audit.rows.map((r) => r.action),
    ['feed.held', 'feed.confirm'],
  );

  t.test(
    'the whole list again is applied without a hold (the guard compares with the list as it is now)',
    async (t) => {
      const res = await postFeed(app, civil, whole, { query: 'mode=snapshot&period=2025-03' });
      t.equal(res.statusCode, 201, res.body);
      t.match(res.json().counts, { added: held.counts.removed, removed: 0 });
    },
  );
});

t.test('a held batch is stale once another batch of its department and scope was applied', async (t) => {
  const res = await postFeed(app, civil, cut, { query: 'mode=snapshot&period=2025-04' });
  t.equal(res.statusCode, 202, res.body);
  const held = res.json();
  // As a batch applied while this one waited would (a replica of an earlier version, a restore).
  await sql`
    insert into identity.batches (department, mode, period, period_start, status, content_sha256, format, applied_at)
    values ('civil-affairs', 'delta', '2025-04', '2025-04-01', 'applied', 'other', 'csv', now())`.execute(db);
  const before = await spellsOf(db, 'civil-affairs');
  const confirmed = await decide(held.batchId, 'confirm');
  t.equal(confirmed.statusCode, 409);
  t.equal(confirmed.json().code, 'BATCH_STALE');
  t.same(await spellsOf(db, 'civil-affairs'), before);
  const discarded = await decide(held.batchId, 'discard', admin);
  t.equal(discarded.statusCode, 200);
  const unknown = await decide('00000000-0000-4000-8000-000000000000', 'confirm');
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'BATCH_NOT_FOUND');
});

t.test('the shares are the department’s own: admin may change them, the feed key read them', async (t) => {
  const read = await app.inject({ method: 'GET', url: '/v1/feeds/settings/civil-affairs', headers: civil.headers });
  t.equal(read.statusCode, 200);
  t.same(read.json(), {
    department: 'civil-affairs',
    maxRemovalShare: 0.2,
    minRowShare: 0.8,
    updatedBy: null,
    updatedAt: null,
  });
  const foreign = await app.inject({ method: 'GET', url: '/v1/feeds/settings/civil-affairs', headers: rural.headers });
  t.equal(foreign.statusCode, 403);
  const byFeed = await app.inject({
    method: 'PUT',
    url: '/v1/feeds/settings/civil-affairs',
    headers: civil.headers,
    payload: { maxRemovalShare: 1 },
  });
  t.equal(byFeed.statusCode, 403);
  t.equal(byFeed.json().code, 'FORBIDDEN_ROLE');
  const invalid = await app.inject({
    method: 'PUT',
    url: '/v1/feeds/settings/civil-affairs',
    headers: admin.headers,
    payload: { maxRemovalShare: 1.5 },
  });
  t.equal(invalid.statusCode, 400);
  const changed = await app.inject({
    method: 'PUT',
    url: '/v1/feeds/settings/civil-affairs',
    headers: admin.headers,
    payload: { maxRemovalShare: 0.9, minRowShare: 0.1 },
  });
  t.equal(changed.statusCode, 200);
  t.match(changed.json(), { maxRemovalShare: 0.9, minRowShare: 0.1, updatedBy: admin.id, updatedAt: String });

  const res = await postFeed(app, civil, cut, { query: 'mode=snapshot&period=2025-05' });
  t.equal(res.statusCode, 201, 'the same cut file now applies');
});

t.test('batches are listed in the key’s scope, without anyone’s ID number', async (t) => {
  const list = await app.inject({
    method: 'GET',
    url: '/v1/feeds/batches?department=civil-affairs',
    headers: civil.headers,
  });
  t.equal(list.statusCode, 200);
  const batches = list.json() as Array<{ status: string; department: string; period: string }>;
  t.ok(batches.every((b) => b.department === 'civil-affairs'));
  t.same([...new Set(batches.map((b) => b.status))].sort(), ['applied', 'discarded', 'dry-run']);
  for (const id of people) t.notOk(list.body.includes(id));
  const byPeriod = await app.inject({ method: 'GET', url: '/v1/feeds/batches?period=2025-02', headers: civil.headers });
  t.ok((byPeriod.json() as Array<{ period: string }>).every((b) => b.period === '2025-02'));
  const foreign = await app.inject({
    method: 'GET',
    url: '/v1/feeds/batches?department=rural-affairs',
    headers: civil.headers,
  });
  t.equal(foreign.statusCode, 403);
  const operator = await createTestKey(db, 'county-operator', { regionCode: '500230' });
  const scoped = await app.inject({ method: 'GET', url: '/v1/feeds/batches', headers: operator.headers });
  t.same(scoped.json(), [], 'department-wide batches are not a county’s');
  const all = await app.inject({ method: 'GET', url: '/v1/feeds/batches?limit=200', headers: admin.headers });
  t.ok((all.json() as unknown[]).length > batches.length);
  t.ok((all.json() as Array<{ department: string }>).some((b) => b.department === 'rural-affairs'));
  void V;
});
