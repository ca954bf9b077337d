import { IDENTITY_EVENTS, readEvent } from '@rmi/contracts';
import { maxOutboxId, outboxSince } from '@rmi/outbox/testing';
import { createTestKey } from '@rmi/service-kit';
import iconv from 'iconv-lite';
import t from 'tap';
import { csvOf, currentList, idNumbers, postFeed, setupFeeds, spellsOf, V } from './feeds-helpers.js';

const { app, db } = await setupFeeds(t, { LOG_LEVEL: 'error' });
const civil = await createTestKey(db, 'department-feed', { department: 'civil-affairs' });
const idNumber = idNumbers();

const HEADER = ['序号', '身份证号码', '姓名', '身份类别', '镇（街）', '村（居）', '纳入时间'];

t.test('a snapshot, then one dropping 3 people ends exactly those spells the day before the period', async (t) => {
  const people = Array.from({ length: 20 }, () => idNumber());
  const rows = people.map((id, i) => [
    String(i + 1),
    id,
    `居民${i}`,
    i % 2 ? '城乡低保对象' : '特困人员',
    '社坛镇',
    i % 3 ? '德盛村' : V.pingan,
    i === 0 ? '2024-06-15' : '',
  ]);
  const first = await postFeed(app, civil, iconv.encode(csvOf([HEADER, ...rows]), 'gb18030'), {
    query: 'mode=snapshot&period=2025-02',
  });
  t.equal(first.statusCode, 201, first.body);
  t.match(first.json(), {
    status: 'applied',
    rows: 20,
    counts: { added: 20, changed: 0, moved: 0, removed: 0, unchanged: 0, errors: 0, valid: 20 },
    errors: [],
  });
  const spells = await spellsOf(db, 'civil-affairs');
  t.equal(spells.length, 20);
  t.match(
    spells.find((s) => s.id_number === people[0]),
    {
      identity_code: 'extreme-poverty',
      region_code: V.pingan,
      valid_from: '2024-06-15',
      valid_to: null,
      current: true,
    },
  );
  t.match(
    spells.find((s) => s.id_number === people[1]),
    { identity_code: 'subsistence-allowance', region_code: V.desheng, valid_from: '2025-02-01', valid_to: null },
  );

  const outboxBefore = await maxOutboxId(db, 'identity');
  const dropped = [rows[3], rows[7], rows[12]].map((r) => r?.[1]);
  const second = await postFeed(app, civil, csvOf([HEADER, ...rows.filter((r) => !dropped.includes(r[1]))]), {
    query: 'mode=snapshot&period=2025-03',
  });
  t.equal(second.statusCode, 201, second.body);
  t.match(second.json().counts, { added: 0, removed: 3, unchanged: 17, valid: 17 });
  const after = await spellsOf(db, 'civil-affairs');
  const ended = after.filter((s) => !s.current);
  t.same(ended.map((s) => s.id_number).sort(), [...dropped].sort());
  for (const s of ended) t.match(s, { valid_to: '2025-02-28', ended_reason: 'absent' });
  t.equal(after.filter((s) => s.current && s.valid_to === null).length, 17);

  const events = await outboxSince(db, 'identity', outboxBefore);
  t.equal(events.length, 3);
  for (const e of events) {
    t.equal(e.topic, 'identity.ended');
    t.ok(IDENTITY_EVENTS['identity.ended'].safeParse(e.payload).success, JSON.stringify(e.payload));
    t.match(e.payload, { validTo: '2025-02-28', reason: 'absent', department: 'civil-affairs' });
  }

  t.test('the same bytes again answer the applied batch as unchanged, changing nothing', async (t) => {
    const body = csvOf([HEADER, ...rows.filter((r) => !dropped.includes(r[1]))]);
    const again = await postFeed(app, civil, body, { query: 'mode=snapshot&period=2025-03' });
    t.equal(again.statusCode, 200);
    t.match(again.json(), { status: 'unchanged', batchId: second.json().batchId, counts: { removed: 3 } });
    t.same(await spellsOf(db, 'civil-affairs'), after);
    t.equal(await maxOutboxId(db, 'identity'), events.at(-1)?.id);
  });
});

t.test('every event a batch writes fits the published schemas', async (t) => {
  const rows = await db.selectFrom('identity.outbox').select(['topic', 'payload']).execute();
  t.ok(rows.length > 0);
  for (const row of rows) {
    const read = readEvent({ topic: row.topic, payload: row.payload });
    t.ok(read.ok, `${row.topic} ${JSON.stringify(row.payload)}`);
    const strict = IDENTITY_EVENTS[row.topic as keyof typeof IDENTITY_EVENTS].safeParse(row.payload);
    t.ok(strict.success, `${row.topic} strictly`);
  }
  t.same(await currentList(db, 'rural-affairs'), []);
});

t.test('a delta adds, removes, moves and corrects only the people it names', async (t) => {
  const rural = await createTestKey(db, 'department-feed', { department: 'rural-affairs' });
  const [a, b, c, d, f, g, h] = Array.from({ length: 7 }, () => idNumber());
  const header = ['身份证号码', '姓名', '监测对象类型', '乡镇', '所属村', '纳入时间', '退出时间', '操作'];
  const base = await postFeed(
    app,
    rural,
    csvOf([
      header.slice(0, 6),
      [a as string, '甲', '脱贫不稳定户', '栗子乡', '南江村', ''],
      [b as string, '乙', '边缘易致贫户', '栗子乡', '南江村', ''],
      [c as string, '丙', '突发严重困难户', '栗子乡', '建龙村', ''],
      [f as string, '戊', '返贫致贫人口', '栗子乡', '建龙村', '2024-01-01'],
      [h as string, '庚', '稳定脱贫人口', '栗子乡', '建龙村', ''],
    ]),
    { department: 'rural-affairs', query: 'mode=snapshot&period=2025-01' },
  );
  t.equal(base.statusCode, 201, base.body);
  const outboxBefore = await maxOutboxId(db, 'identity');

  const delta = await postFeed(
    app,
    rural,
    csvOf([
      header,
      [d as string, '丁', '返贫致贫人口', '栗子乡', '南江村', '', '', '新增'],
      [a as string, '甲', '脱贫不稳定户', '', '', '', '', '退出'],
      [b as string, '乙', '边缘易致贫户', '栗子乡', '南江村', '', '2025-02-10', '退出'],
      [c as string, '丙', '突发严重困难户', '栗子乡', '南江村', '', '', '变更'],
      [f as string, '戊', '返贫致贫人口', '栗子乡', '建龙村', '2023-12-01', '', '变更'],
      [g as string, '己', '监测对象', '栗子乡', '建龙村', '', '', '新增'],
    ]),
    { department: 'rural-affairs', query: 'mode=delta&period=2025-02' },
  );
  t.equal(delta.statusCode, 201, delta.body);
  t.match(delta.json(), {
    status: 'applied',
    mode: 'delta',
    rows: 6,
    counts: { added: 4, removed: 2, moved: 1, changed: 1, unchanged: 0, errors: 0, valid: 6 },
  });

  const spells = await spellsOf(db, 'rural-affairs');
  const of = (id: string | undefined) => spells.filter((s) => s.id_number === id);
  t.match(of(a), [{ current: false, valid_to: '2025-01-31', ended_reason: 'removed' }]);
  t.match(of(b), [{ current: false, valid_to: '2025-02-10', ended_reason: 'ended' }]);
  t.match(of(c), [
    {
      region_code: V.jianlong,
      valid_from: '2025-01-01',
      valid_to: '2025-01-31',
      current: false,
      ended_reason: 'moved',
    },
    { region_code: V.nanjiang, valid_from: '2025-02-01', valid_to: null, current: true },
  ]);
  t.match(of(f), [
    { valid_from: '2024-01-01', valid_to: '2023-12-31', current: false, ended_reason: 'changed' },
    { valid_from: '2023-12-01', valid_to: null, current: true },
  ]);
  t.same(
    of(g).map((s) => s.identity_code),
    ['marginal-at-risk', 'sudden-hardship', 'unstable-out-of-poverty'],
  );
  t.match(of(h), [{ current: true, valid_to: null }], 'a person the delta does not name is untouched');

  // The superseded spell of a corrected date is no spell in the published view.
  const view = await db
    .selectFrom('identity.v_identity_spells')
    .selectAll()
    .where('id_number', '=', f as string)
    .execute();
  t.match(view, [{ valid_from: '2023-12-01', valid_to: null }]);

  const events = await outboxSince(db, 'identity', outboxBefore);
  const topics = events.map((e) => e.topic).sort();
  t.same(topics, [
    'identity.added',
    'identity.added',
    'identity.added',
    'identity.added',
    'identity.changed',
    'identity.ended',
    'identity.ended',
    'identity.moved',
  ]);
  t.match(events.find((e) => e.topic === 'identity.moved')?.payload, {
    idNumber: c,
    fromRegionCode: V.jianlong,
    regionCode: V.nanjiang,
    validFrom: '2025-02-01',
    batchId: delta.json().batchId,
  });
  t.match(events.find((e) => e.topic === 'identity.changed')?.payload, {
    idNumber: f,
    validFrom: '2023-12-01',
    validTo: null,
  });
  t.same(
    events
      .filter((e) => e.topic === 'identity.ended')
      .map((e) => e.payload.reason)
      .sort(),
    ['ended', 'removed'],
  );
  for (const e of events) {
    t.ok(IDENTITY_EVENTS[e.topic as keyof typeof IDENTITY_EVENTS].safeParse(e.payload).success, e.topic);
  }
});

t.test('a dry run answers the counts and changes nothing, keeping its diff', async (t) => {
  const before = await spellsOf(db, 'civil-affairs');
  const current = before.filter((s) => s.current);
  const kept = current.slice(1);
  const newcomer = idNumber();
  const body = csvOf([
    ['身份证号码', '姓名', '身份类别', '村（居）'],
    ...kept.map((s) => [s.id_number, '某', s.identity_code, s.region_code]),
    [newcomer, '新人', '低保边缘户', V.wufu],
  ]);
  const outboxBefore = await maxOutboxId(db, 'identity');
  const res = await postFeed(app, civil, body, { query: 'mode=snapshot&period=2025-04&dryRun=true' });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), {
    status: 'dry-run',
    counts: { added: 1, removed: 1, unchanged: kept.length, errors: 0 },
    diffUrl: `/v1/feeds/batches/${res.json().batchId}/diff`,
  });
  t.notOk(res.json().confirmUrl);
  t.same(await spellsOf(db, 'civil-affairs'), before);
  t.equal(await maxOutboxId(db, 'identity'), outboxBefore);
  const changes = await db
    .selectFrom('identity.batch_changes')
    .select(['id_number', 'change', 'after_village', 'before_village'])
    .where('batch_id', '=', res.json().batchId)
    .orderBy('change')
    .execute();
  t.same(changes, [
    { id_number: newcomer, change: 'added', after_village: V.wufu, before_village: null },
    {
      id_number: current[0]?.id_number,
      change: 'removed',
      after_village: null,
      before_village: current[0]?.region_code,
    },
  ]);
});

t.test('a row naming another department’s identity is a row error; the rest applies', async (t) => {
  const before = (await spellsOf(db, 'civil-affairs')).filter((s) => s.current);
  const [first, ...rest] = before;
  const newcomer = idNumber();
  const body = csvOf([
    ['身份证号码', '姓名', '身份类别', '村（居）'],
    ...rest.map((s) => [s.id_number, '某', s.identity_code, s.region_code]),
    // The person on the bad row keeps what they had: the snapshot does not remove their 特困.
    [first?.id_number as string, '某', '脱贫不稳定户', first?.region_code as string],
    [newcomer, '新人', '因病致贫家庭重病患者', V.wufu],
  ]);
  const res = await postFeed(app, civil, body, { query: 'mode=snapshot&period=2025-04' });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), {
    status: 'applied',
    counts: { added: 1, removed: 0, errors: 1, valid: rest.length + 1 },
    errors: [
      {
        line: rest.length + 2,
        column: 'identity',
        code: 'IDENTITY_NOT_OF_DEPARTMENT',
        message: /certified by rural-affairs/,
      },
    ],
  });
  const now = await currentList(db, 'civil-affairs');
  t.ok(now.includes(`${first?.id_number}:${first?.identity_code}@${first?.region_code}`));
  t.ok(now.includes(`${newcomer}:illness-impoverished@${V.wufu}`));
  const stored = await db
    .selectFrom('identity.batch_errors')
    .selectAll()
    .where('batch_id', '=', res.json().batchId)
    .execute();
  t.match(stored, [
    {
      line: rest.length + 2,
      errors: [{ code: 'IDENTITY_NOT_OF_DEPARTMENT', column: 'identity' }],
      cells: { 身份证号码: first?.id_number, 身份类别: '脱贫不稳定户' },
    },
  ]);
});
