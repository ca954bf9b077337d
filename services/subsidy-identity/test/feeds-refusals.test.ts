import { createTestKey } from '@rmi/service-kit';
import { sql } from 'kysely';
import t from 'tap';
import { csvOf, currentList, idNumbers, postFeed, setupFeeds, spellsOf, V, XLSX } from './feeds-helpers.js';

// What a department is told when its file or its key is wrong: a problem for the batch as a
// whole, or row errors with the line and column of each problem, never a 500.

const { app, db } = await setupFeeds(t, { FEED_MAX_BYTES: '20000' });
const civil = await createTestKey(db, 'department-feed', { department: 'civil-affairs' });
const idNumber = idNumbers();
const HEADER = ['身份证号码', '姓名', '身份类别', '镇（街）', '村（居）', '纳入时间'];

const batchCount = async () =>
  Number((await sql<{ n: string }>`select count(*) as n from identity.batches`.execute(db)).rows[0]?.n);

t.test('keys: another department’s feed is OUT_OF_SCOPE, other roles FORBIDDEN_ROLE, no key 401', async (t) => {
  const body = csvOf([HEADER, [idNumber(), '甲', '低保对象', '社坛镇', '德盛村', '']]);
  const foreign = await postFeed(app, civil, body, { department: 'rural-affairs' });
  t.equal(foreign.statusCode, 403);
  t.equal(foreign.json().code, 'OUT_OF_SCOPE');
  const operator = await createTestKey(db, 'county-operator', { regionCode: '500230' });
  const byOperator = await postFeed(app, operator, body);
  t.equal(byOperator.statusCode, 403);
  t.equal(byOperator.json().code, 'FORBIDDEN_ROLE');
  const anonymous = await app.inject({
    method: 'POST',
    url: '/v1/feeds/civil-affairs/batches?mode=snapshot&period=2025-01',
    headers: { 'content-type': 'text/csv' },
    payload: body,
  });
  t.equal(anonymous.statusCode, 401);
  t.equal(await batchCount(), 0);
  t.same(await currentList(db, 'civil-affairs'), []);
});

t.test(
  'the batch as a whole: MISSING_COLUMNS, FILE_UNREADABLE, BODY_TOO_LARGE, a wrong media type or query',
  async (t) => {
    const noIdentity = await postFeed(
      app,
      civil,
      csvOf([['丰都县低保名册'], ['身份证号码', '姓名', '备注'], [idNumber(), '甲', '']]),
    );
    t.equal(noIdentity.statusCode, 422);
    t.match(noIdentity.json(), {
      code: 'MISSING_COLUMNS',
      missing: ['identity', 'village'],
      header: ['身份证号码', '姓名', '备注'],
      headerLine: 2,
    });
    t.match(noIdentity.headers['content-type'], /application\/problem\+json/);

    const noId = await postFeed(
      app,
      civil,
      csvOf([
        ['姓名', '身份类别', '村（居）'],
        ['甲', '低保对象', V.desheng],
      ]),
    );
    t.equal(noId.statusCode, 422);
    t.match(noId.json(), { code: 'MISSING_COLUMNS', missing: ['ID'], header: ['姓名', '身份类别', '村（居）'] });

    const deltaWithoutAction = await postFeed(
      app,
      civil,
      csvOf([HEADER, [idNumber(), '甲', '低保对象', '', V.desheng, '']]),
      {
        query: 'mode=delta&period=2025-01',
      },
    );
    t.match(deltaWithoutAction.json(), { code: 'MISSING_COLUMNS', missing: ['action'] });

    const notAWorkbook = await postFeed(app, civil, Buffer.from('这不是一个工作簿'), { type: XLSX });
    t.equal(notAWorkbook.statusCode, 400);
    t.equal(notAWorkbook.json().code, 'FILE_UNREADABLE');

    const binary = await postFeed(
      app,
      civil,
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    );
    t.equal(binary.statusCode, 400);
    t.equal(binary.json().code, 'FILE_UNREADABLE');

    const ragged = await postFeed(
      app,
      civil,
      csvOf([
        HEADER,
        [idNumber(), '甲', '低保对象', '', V.desheng, ''],
        [idNumber(), '乙', '低保对象', '', V.desheng, '', '多余'],
      ]),
    );
    t.equal(ragged.statusCode, 400);
    t.match(ragged.json(), { code: 'FILE_UNREADABLE', errors: [{ line: 3 }] });

    const empty = await postFeed(app, civil, '');
    t.equal(empty.statusCode, 400);
    t.equal(empty.json().code, 'FILE_UNREADABLE');

    const big = csvOf([
      HEADER,
      ...Array.from({ length: 600 }, () => [idNumber(), '某某', '低保对象', '社坛镇', '德盛村', '']),
    ]);
    const tooLarge = await postFeed(app, civil, big);
    t.equal(tooLarge.statusCode, 413);
    t.equal(tooLarge.json().code, 'BODY_TOO_LARGE');

    const json = await postFeed(app, civil, JSON.stringify({ rows: [] }), { type: 'application/json' });
    t.equal(json.statusCode, 415);

    const badQuery = await postFeed(app, civil, csvOf([HEADER]), { query: 'mode=weekly&period=2025-13' });
    t.equal(badQuery.statusCode, 400);
    t.same(
      badQuery
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
      ['querystring.mode', 'querystring.period'],
    );

    t.equal(await batchCount(), 0, 'a refused file leaves no batch');
  },
);

t.test('row errors carry the physical line and column of each problem; a row may carry several', async (t) => {
  const ids = Array.from({ length: 12 }, () => idNumber());
  const at = (i: number) => ids[i] as string;
  await db
    .insertInto('identity.deaths')
    .values({ id_number: at(10), died_on: '2024-11-02', department: 'health' })
    .execute();
  const badChecksum = at(0).slice(0, 17) + (at(0)[17] === '0' ? '1' : '0');
  const rows = [
    HEADER, // line 1
    [badChecksum, '一', '低保对象', '社坛镇', '德盛村', ''], // 2 INVALID_ID_NUMBER
    ['5.00230E+17', '二', '低保对象', '社坛镇', '德盛村', ''], // 3 ID_NUMBER_MANGLED
    [`${at(1).slice(0, 15)}000`, '三', '低保对象', '社坛镇', '德盛村', ''], // 4 ID_NUMBER_MANGLED (zeros)
    ['', '四', '', '社坛镇', '', ''], // 5 MISSING_FIELD ×3
    [at(2), '"五\n五"', '低保对象', '社坛镇', '德盛村', ''], // 6–7 valid, a line break inside a quoted cell
    [at(2), '五', '城乡低保对象', '社坛镇', '德盛村', ''], // 8 DUPLICATE_ROW
    [at(3), '六', '特困人员', '社坛镇', '德盛村', ''], // 9 CONFLICTING_ROWS
    [at(3), '六', '特困人员', '栗子乡', '南江村', ''], // 10 CONFLICTING_ROWS
    [at(4), '七', '村干部', '社坛镇', '德盛村', ''], // 11 UNKNOWN_IDENTITY
    [at(5), '八', '低保对象', '社坛镇', '不存在村', ''], // 12 UNKNOWN_REGION
    [at(6), '九', '低保对象', '', V.zhuhe, '2024-02-30'], // 13 INVALID_DATE (the village is fine: no region on the key)
    [at(10), '十', '低保对象', '社坛镇', '德盛村', ''], // 14 PERSON_DECEASED
    [at(7), '十一', '低保对象', '社坛镇', '德盛村', '2024-01-01'], // 15 valid
  ];
  const res = await postFeed(app, civil, csvOf(rows), { query: 'mode=snapshot&period=2025-01' });
  t.equal(res.statusCode, 201, res.body);
  const body = res.json();
  t.match(body.counts, { added: 2, errors: 11, valid: 2 });
  t.equal(body.rows, 13);
  const seen = body.errors.map(
    (e: { line: number; column: string; code: string }) => `${e.line} ${e.column} ${e.code}`,
  );
  t.same(seen, [
    '2 idNumber INVALID_ID_NUMBER',
    '3 idNumber ID_NUMBER_MANGLED',
    '4 idNumber ID_NUMBER_MANGLED',
    '5 idNumber MISSING_FIELD',
    '5 identity MISSING_FIELD',
    '5 village MISSING_FIELD',
    '8 idNumber DUPLICATE_ROW',
    '9 village CONFLICTING_ROWS',
    '10 village CONFLICTING_ROWS',
    '11 identity UNKNOWN_IDENTITY',
    '12 village UNKNOWN_REGION',
    '13 certifiedOn INVALID_DATE',
    '14 idNumber PERSON_DECEASED',
  ]);
  t.match(body.errors.find((e: { line: number }) => e.line === 8).message, /line 6/);
  t.match(body.errors.find((e: { line: number }) => e.line === 2).message, /check character/);
  // Only the two valid rows count; line 8 repeats line 6, whose spell starts on the period's first day.
  t.same(
    await currentList(db, 'civil-affairs'),
    [`${at(2)}:subsistence-allowance@${V.desheng}`, `${at(7)}:subsistence-allowance@${V.desheng}`].sort(),
  );
  t.match(
    (await spellsOf(db, 'civil-affairs')).find((s) => s.id_number === at(2)),
    { valid_from: '2025-01-01' },
  );
});

t.test('onRowErrors=reject: one bad row and nothing applies (422 rejected, errors listed)', async (t) => {
  const before = await spellsOf(db, 'civil-affairs');
  const res = await postFeed(
    app,
    civil,
    csvOf([
      HEADER,
      [idNumber(), '甲', '低保对象', '社坛镇', '德盛村', ''],
      ['123', '乙', '低保对象', '社坛镇', '德盛村', ''],
    ]),
    { query: 'mode=snapshot&period=2025-02&onRowErrors=reject' },
  );
  t.equal(res.statusCode, 422);
  t.match(res.headers['content-type'], /application\/json/);
  t.match(res.json(), {
    status: 'rejected',
    counts: { added: 0, removed: 0, errors: 1, valid: 1 },
    errors: [{ line: 3, column: 'idNumber', code: 'INVALID_ID_NUMBER' }],
  });
  t.same(await spellsOf(db, 'civil-affairs'), before);
  const stored = await db
    .selectFrom('identity.batch_errors')
    .select('line')
    .where('batch_id', '=', res.json().batchId)
    .execute();
  t.same(stored, [{ line: 3 }]);
});

t.test('a key with a region names villages inside it, and its snapshot touches only its region', async (t) => {
  const lizi = await createTestKey(db, 'department-feed', { department: 'civil-affairs', regionCode: '500230209' });
  const [a, b] = [idNumber(), idNumber()];
  const shetanBefore = (await currentList(db, 'civil-affairs')).filter((s) => s.includes('@500230102'));
  t.ok(shetanBefore.length > 0);
  const res = await postFeed(
    app,
    lizi,
    csvOf([
      ['身份证号码', '姓名', '身份类别', '村（居）'],
      [a, '甲', '低保对象', '南江村'],
      [b, '乙', '低保对象', '德盛村'],
    ]),
    { query: 'mode=snapshot&period=2025-02' },
  );
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), {
    scopeRegionCode: '500230209',
    counts: { added: 1, removed: 0, errors: 1 },
    errors: [{ line: 3, column: 'village', code: 'UNKNOWN_REGION', message: /outside the region of this key/ }],
  });
  const after = await currentList(db, 'civil-affairs');
  t.same(
    after.filter((s) => s.includes('@500230102')),
    shetanBefore,
    'villages outside the key’s region are untouched',
  );
  t.ok(after.includes(`${a}:subsistence-allowance@${V.nanjiang}`));

  const village = await createTestKey(db, 'department-feed', { department: 'civil-affairs', regionCode: V.jianlong });
  const noVillageColumn = await postFeed(
    app,
    village,
    csvOf([
      ['身份证号码', '身份类别'],
      [b, '低保对象'],
    ]),
    {
      query: 'mode=snapshot&period=2025-02',
    },
  );
  t.equal(noVillageColumn.statusCode, 201, noVillageColumn.body);
  t.ok((await currentList(db, 'civil-affairs')).includes(`${b}:subsistence-allowance@${V.jianlong}`));
});
