import { maxOutboxId, outboxSince } from '@rmi/outbox/testing';
import { createTestKey } from '@rmi/service-kit';
import { sql } from 'kysely';
import t from 'tap';
import { csvOf, currentList, idNumbers, postFeed, setupFeeds } from './feeds-helpers.js';

// Posts that arrive at once: batches of one department are decided one after the other under a
// lock, so the same list posted twice is applied once, and a list is never compared with spells
// another batch is changing.

const { app, db } = await setupFeeds(t, { FEED_SESSIONS: '2' });
const civil = await createTestKey(db, 'department-feed', { department: 'civil-affairs' });
const idNumber = idNumbers();
const HEADER = ['身份证号码', '姓名', '身份类别', '镇（街）', '村（居）'];
const listOf = (ids: string[], identity = '低保对象') =>
  csvOf([HEADER, ...ids.map((id, i) => [id, `居民${i}`, identity, '社坛镇', '德盛村'])]);

const appliedCount = async () =>
  Number(
    (await sql<{ n: string }>`select count(*) as n from identity.batches where status = 'applied'`.execute(db)).rows[0]
      ?.n,
  );

const people = Array.from({ length: 30 }, () => idNumber());

t.test('the same list posted twice at once is applied once; the other answer is unchanged', async (t) => {
  const outboxBefore = await maxOutboxId(db, 'identity');
  const body = listOf(people);
  const answers = await Promise.all(
    [1, 2].map(() => postFeed(app, civil, body, { query: 'mode=snapshot&period=2025-01' })),
  );
  t.same(answers.map((a) => a.statusCode).sort(), [200, 201], answers.map((a) => a.body).join('\n'));
  const [applied, unchanged] = [...answers].sort((a, b) => b.statusCode - a.statusCode);
  t.equal(applied?.json().status, 'applied');
  t.match(unchanged?.json(), { status: 'unchanged', batchId: applied?.json().batchId });
  t.equal(await appliedCount(), 1);
  t.equal((await currentList(db, 'civil-affairs')).length, 30);
  t.equal((await outboxSince(db, 'identity', outboxBefore)).length, 30, 'one event per spell, once');
});

t.test('two cut lists at once: one is held, the other told the department has a batch on hold', async (t) => {
  const before = await currentList(db, 'civil-affairs');
  const body = listOf(people.slice(0, 8));
  const answers = await Promise.all(
    [1, 2].map(() => postFeed(app, civil, body, { query: 'mode=snapshot&period=2025-02' })),
  );
  t.same(answers.map((a) => a.statusCode).sort(), [202, 409]);
  const held = answers.find((a) => a.statusCode === 202)?.json();
  t.match(answers.find((a) => a.statusCode === 409)?.json(), { code: 'BATCH_HELD', heldBatchId: held.batchId });
  t.same(await currentList(db, 'civil-affairs'), before);

  t.test('confirm and discard at once: one decides, the other finds it decided', async (t) => {
    const decisions = await Promise.all(
      (['confirm', 'discard'] as const).map((action) =>
        app.inject({ method: 'POST', url: `/v1/feeds/batches/${held.batchId}/${action}`, headers: civil.headers }),
      ),
    );
    t.same(decisions.map((d) => d.statusCode).sort(), [200, 409]);
    const loser = decisions.find((d) => d.statusCode === 409)?.json();
    t.equal(loser.code, 'BATCH_NOT_HELD');
    const winner = decisions.find((d) => d.statusCode === 200)?.json();
    const after = await currentList(db, 'civil-affairs');
    t.equal(after.length, winner.status === 'applied' ? 8 : 30);
  });
});

t.test('one Idempotency-Key posted twice at once makes one batch and answers it twice', async (t) => {
  const newcomers = Array.from({ length: 3 }, () => idNumber());
  const body = csvOf([
    [...HEADER, '操作'],
    ...newcomers.map((id) => [id, '新', '特困人员', '社坛镇', '五福村', '新增']),
  ]);
  const headers = { 'idempotency-key': 'civil-2025-03-delta-1' };
  const answers = await Promise.all(
    [1, 2].map(() => postFeed(app, civil, body, { query: 'mode=delta&period=2025-03', headers })),
  );
  t.same(
    answers.map((a) => a.statusCode),
    [201, 201],
  );
  t.equal(answers[0]?.json().batchId, answers[1]?.json().batchId);
  const batches = await sql<{ n: string }>`
    select count(*) as n from identity.batches where idempotency_key = 'civil-2025-03-delta-1'`.execute(db);
  t.equal(Number(batches.rows[0]?.n), 1);
  // Later, with other bytes, the key still answers the batch it made.
  const later = await postFeed(app, civil, listOf([idNumber()]), { query: 'mode=delta&period=2025-04', headers });
  t.equal(later.statusCode, 201);
  t.equal(later.json().batchId, answers[0]?.json().batchId);
  t.equal((await currentList(db, 'civil-affairs')).filter((s) => s.includes(':extreme-poverty@')).length, 3);
});

t.test('different lists of one department at once are applied one after the other', async (t) => {
  const admin = await createTestKey(db, 'admin');
  const veterans = await createTestKey(db, 'department-feed', { department: 'veterans-affairs' });
  const rural = await createTestKey(db, 'department-feed', { department: 'rural-affairs' });
  // The guard opened wide: whichever list goes second may remove what the first added.
  await app.inject({
    method: 'PUT',
    url: '/v1/feeds/settings/veterans-affairs',
    headers: admin.headers,
    payload: { maxRemovalShare: 1, minRowShare: 0 },
  });
  const some = Array.from({ length: 10 }, () => idNumber());
  const more = [...some, ...Array.from({ length: 5 }, () => idNumber())];
  const answers = await Promise.all([
    postFeed(app, veterans, listOf(some, '烈士遗属'), {
      department: 'veterans-affairs',
      query: 'mode=snapshot&period=2025-05',
    }),
    postFeed(app, veterans, listOf(more, '烈士遗属'), {
      department: 'veterans-affairs',
      query: 'mode=snapshot&period=2025-06',
    }),
    postFeed(app, rural, listOf(more, '稳定脱贫人口'), {
      department: 'rural-affairs',
      query: 'mode=snapshot&period=2025-06',
    }),
  ]);
  t.same(
    answers.map((a) => a.statusCode),
    [201, 201, 201],
    answers.map((a) => a.body).join('\n'),
  );
  const order = await sql<{ id: string }>`
    select id from identity.batches where department = 'veterans-affairs' and status = 'applied' order by applied_at`.execute(
    db,
  );
  const last = order.rows.at(-1)?.id;
  const expected = last === answers[0]?.json().batchId ? some : more;
  t.same(
    (await currentList(db, 'veterans-affairs')).map((s) => s.split(':')[0]),
    [...expected].sort(),
    'the list as the later batch left it',
  );
  // The later one was compared with what the earlier one applied: in either order the two add 15
  // people between them (10 then 5, or 15 then none), never the same person twice.
  const added = (answers[0]?.json().counts.added ?? 0) + (answers[1]?.json().counts.added ?? 0);
  t.equal(added, 15);
  t.equal((await currentList(db, 'rural-affairs')).length, 15);
});
