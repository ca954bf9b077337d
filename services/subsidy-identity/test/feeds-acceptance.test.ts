import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { postFeed, setupFeeds, XLSX } from './feeds-helpers.js';
import {
  bomCsvCq,
  demoVillages,
  type FeedRow,
  feedRows,
  gb18030Csv,
  ndjson,
  truncate,
  xlsxWithTitle,
} from './fixtures/feed-files.js';

// Issue #11's acceptance, on files the generator under test/fixtures/ makes as departments keep
// them (never hand-edited bytes): a GB18030 CSV with Chinese headers and village names, an XLSX with
// a merged title row and ID numbers Excel shortened, a UTF-8 CSV with a BOM and Chongqing identity
// numbers, and NDJSON (contracts/identity-feeds.md, "Posting a batch").

const { app, db } = await setupFeeds(t);
const villages = await demoVillages(db);
const civil = await createTestKey(db, 'department-feed', { department: 'civil-affairs' });
const rows = feedRows(40, { villages, seed: 11 });

const spellsOf = (idNumbers: readonly string[], on = db) =>
  on
    .selectFrom('identity.spells')
    .select(['id_number', 'identity_code', 'region_code', 'valid_from', 'valid_to', 'current'])
    .where('id_number', 'in', idNumbers)
    .orderBy('id_number')
    .execute();
const current = async () =>
  Number(
    (
      await db
        .selectFrom('identity.spells')
        .select((e) => e.fn.countAll().as('n'))
        .where('current', '=', true)
        .where('department', '=', 'civil-affairs')
        .executeTakeFirstOrThrow()
    ).n,
  );
const ids = (list: readonly FeedRow[]) => list.map((r) => r.idNumber);

t.test('a GB18030 CSV with Chinese headers and village names: each row a spell in its village', async (t) => {
  const res = await postFeed(app, civil, gb18030Csv(rows), { query: 'mode=snapshot&period=2025-01' });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { status: 'applied', rows: 40, counts: { added: 40, removed: 0, errors: 0 } });
  const spells = await spellsOf(ids(rows));
  t.equal(spells.length, 40);
  for (const row of rows) {
    const spell = spells.find((s) => s.id_number === row.idNumber);
    t.equal(spell?.region_code, row.villageCode, `${row.village} is found by its name`);
    t.equal(spell?.valid_from, row.certifiedOn ?? '2025-01-01', '纳入时间, or the period’s first day');
  }
});

t.test('a snapshot dropping 3 people ends exactly those spells the day before the period', async (t) => {
  const dropped = [rows[3], rows[17], rows[29]] as FeedRow[];
  const kept = rows.filter((r) => !dropped.includes(r));
  const file = gb18030Csv(kept);
  const res = await postFeed(app, civil, file, { query: 'mode=snapshot&period=2025-02' });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { status: 'applied', counts: { removed: 3, added: 0, unchanged: 37 } });
  const ended = await spellsOf(ids(dropped));
  t.same(
    ended.map((s) => [s.valid_to, s.current]),
    [
      ['2025-01-31', false],
      ['2025-01-31', false],
      ['2025-01-31', false],
    ],
  );
  const untouched = await spellsOf(ids(kept));
  t.ok(
    untouched.every((s) => s.valid_to === null && s.current),
    'the 37 others still hold their identity',
  );

  t.test('the identical file again is unchanged, answering the applied batch', async (t) => {
    const again = await postFeed(app, civil, file, { query: 'mode=snapshot&period=2025-02' });
    t.equal(again.statusCode, 200, again.body);
    t.match(again.json(), { status: 'unchanged', batchId: res.json().batchId });
    t.equal(await current(), 37);
  });

  t.test('the same list cut at 30% is held and changes nothing until confirmed', async (t) => {
    const cut = truncate(gb18030Csv(kept), 0.3);
    const held = await postFeed(app, civil, cut, { query: 'mode=snapshot&period=2025-03' });
    t.equal(held.statusCode, 202, held.body);
    const answer = held.json();
    t.equal(answer.status, 'held');
    t.ok(answer.counts.removed > 20, `it would remove ${answer.counts.removed} of 37`);
    t.equal(await current(), 37, 'nothing applied while held');
    const confirmed = await app.inject({ method: 'POST', url: answer.confirmUrl, headers: civil.headers });
    t.equal(confirmed.statusCode, 200, confirmed.body);
    t.equal(confirmed.json().status, 'applied');
    t.equal(await current(), 37 - answer.counts.removed, 'confirmed: applied as computed');
  });
});

t.test('an XLSX with a merged title row and shortened numeric IDs', async (t) => {
  const { app, db } = await setupFeeds(t);
  const civil = await createTestKey(db, 'department-feed', { department: 'civil-affairs' });
  const list = feedRows(12, { villages: await demoVillages(db), seed: 5 });
  const file = await xlsxWithTitle(list, { title: '丰都县2025年城乡低保对象名册', numericIds: [2, 7] });
  const res = await postFeed(app, civil, file, { type: XLSX, query: 'mode=snapshot&period=2025-01' });
  t.equal(res.statusCode, 201, res.body);
  const answer = res.json();
  t.match(answer.counts, { added: 10, errors: 2 });
  t.same(
    answer.errors.map((e: { code: string }) => e.code),
    ['ID_NUMBER_MANGLED', 'ID_NUMBER_MANGLED'],
  );
  const headerLine = answer.errors[0].line - 3;
  t.same(
    answer.errors.map((e: { line: number }) => e.line - headerLine),
    [3, 8],
    'the sheet’s row numbers below the title and header',
  );
  t.equal((await spellsOf(ids(list), db)).length, 10, 'the other rows apply');
});

t.test('a UTF-8 CSV with a BOM and Chongqing identity numbers', async (t) => {
  const { app, db } = await setupFeeds(t);
  const civil = await createTestKey(db, 'department-feed', { department: 'civil-affairs' });
  const list = feedRows(15, { villages: await demoVillages(db), seed: 9, identityAs: 'cq', villageAs: 'code' });
  const file = bomCsvCq(list);
  t.same([...file.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the file starts with a BOM');
  const res = await postFeed(app, civil, file, { query: 'mode=snapshot&period=2025-01' });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { counts: { added: 15, errors: 0 } });
  const spells = await spellsOf(ids(list), db);
  const byCq: Record<string, string> = { '7019': 'subsistence-allowance', '7131': 'extreme-poverty' };
  for (const row of list.filter((r) => byCq[r.identity])) {
    t.equal(spells.find((s) => s.id_number === row.idNumber)?.identity_code, byCq[row.identity], row.identity);
  }
});

t.test('NDJSON with English keys', async (t) => {
  const { app, db } = await setupFeeds(t);
  const civil = await createTestKey(db, 'department-feed', { department: 'civil-affairs' });
  const list = feedRows(8, { villages: await demoVillages(db), seed: 3, identityAs: 'code' });
  const res = await postFeed(app, civil, ndjson(list), {
    type: 'application/x-ndjson',
    query: 'mode=snapshot&period=2025-01',
  });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { counts: { added: 8, errors: 0 } });
});

t.test('a department may not post another’s feed, nor name another’s identity', async (t) => {
  const { app, db } = await setupFeeds(t);
  const civil = await createTestKey(db, 'department-feed', { department: 'civil-affairs' });
  const list = feedRows(6, { villages: await demoVillages(db), seed: 21 });
  const other = await postFeed(app, civil, gb18030Csv(list), {
    department: 'rural-affairs',
    query: 'mode=snapshot&period=2025-01',
  });
  t.equal(other.statusCode, 403);
  t.equal(other.json().code, 'OUT_OF_SCOPE');

  const mixed = list.map((r, i) => (i === 4 ? { ...r, identity: '重度残疾' } : r));
  const res = await postFeed(app, civil, gb18030Csv(mixed), { query: 'mode=snapshot&period=2025-01' });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { counts: { added: 5, errors: 1 } });
  t.match(
    res.json().errors,
    [{ line: 6, code: 'IDENTITY_NOT_OF_DEPARTMENT' }],
    'line 6: the header and four rows above',
  );
});
