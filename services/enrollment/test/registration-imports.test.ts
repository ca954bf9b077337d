import { poolOf } from '@rmi/db';
import { createTestKey } from '@rmi/service-kit';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import t from 'tap';
import { idNumbers, loadCq2026, setup } from './helpers.js';

const { app, db } = await setup(t);
await loadCq2026(db);

const LIZI = '500230209';
const V1 = '500230209001';
const V2 = '500230209200';
const SHETAN_VILLAGE = '500230102001';
const NAMED_VILLAGE = '500230209201';
const UNNAMED_VILLAGE = '500230209204';
const lizi = await createTestKey(db, 'township-operator', { regionCode: LIZI });
const collector = await createTestKey(db, 'collector', { regionCode: V2 });

const idNumber = idNumbers();
const badChecksum = (id: string) => id.slice(0, 17) + (id[17] === '0' ? '1' : '0');

const upload = (
  body: string | Buffer,
  query: string,
  headers: Record<string, string> = lizi.headers,
  type = 'text/csv',
) =>
  app.inject({
    method: 'POST',
    url: `/v1/registration-imports?year=2026&${query}`,
    headers: { ...headers, 'content-type': type },
    payload: body,
  });
const count = async (table: 'enrollment.persons' | 'enrollment.enrolments') =>
  Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

t.test('a UTF-8 file with Chinese headers registers and enrols every row', async (t) => {
  const ids = [idNumber(), idNumber('19850615'), idNumber('20260301')];
  const csv = [
    '身份证号,姓名,村(社区)代码,档次,联系电话,人员类别,监护人身份证号',
    `${ids[0]},张三,${V1},一档,13800001111,城乡居民,`,
    `${ids[1]},李四,${V2},2,,,`,
    // Born in the year: enrolled as a newborn, whatever category the file gives (quoteCategory).
    `${ids[2]},王小宝,${V2},,,,${ids[1]}`,
  ].join('\n');
  const res = await upload(csv, 'wait=true');
  t.equal(res.statusCode, 200);
  t.match(res.json(), {
    status: 'applied',
    encoding: 'UTF8',
    rowsTotal: 3,
    rowsRejected: 0,
    personsCreated: 3,
    enrolmentsCreated: 3,
    rowsUnchanged: 0,
  });
  const enrolments = await db
    .selectFrom('enrollment.enrolments')
    .select(['id_number', 'region_code', 'tier', 'category', 'status'])
    .where('id_number', 'in', ids)
    .orderBy('id_number')
    .execute();
  t.same(
    enrolments.map((e) => [e.region_code, e.tier, e.category, e.status]).sort(),
    [
      [V1, 1, 'resident', 'registered'],
      [V2, 1, 'newborn', 'registered'],
      [V2, 2, 'resident', 'registered'],
    ].sort(),
  );
  const person = await db
    .selectFrom('enrollment.persons')
    .selectAll()
    .where('id_number', '=', ids[1] as string)
    .executeTakeFirstOrThrow();
  t.match(person, { name: '李四', birth_date: '1985-06-15', hukou_region_code: V2 });
  const event = await db
    .selectFrom('enrollment.outbox')
    .select('payload')
    .where('topic', '=', 'import.applied')
    .executeTakeFirst();
  t.match(event?.payload, { year: 2026, enrolmentsCreated: 3 });

  const again = await upload(csv, 'wait=true');
  t.match(
    again.json(),
    { status: 'applied', personsCreated: 0, enrolmentsCreated: 0, rowsUnchanged: 3 },
    'a re-upload changes nothing',
  );
});

t.test('whole-file mode: one bad row and the database is unchanged; the row is named by line', async (t) => {
  const before = [await count('enrollment.persons'), await count('enrollment.enrolments')];
  const csv = [
    'idNumber,name,villageCode',
    `${idNumber()},甲,${V1}`,
    `${badChecksum(idNumber())},乙,${V1}`,
    `${idNumber()},丙,${V1}`,
  ].join('\n');
  const res = await upload(csv, 'wait=true');
  t.equal(res.statusCode, 422);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  t.match(res.json(), {
    code: 'IMPORT_ROWS_INVALID',
    errors: [{ line: 3, message: 'idNumber: check character does not match (GB 11643) [VALIDATION_FAILED]' }],
  });
  t.same([await count('enrollment.persons'), await count('enrollment.enrolments')], before, 'nothing written');
  const status = await app.inject({ method: 'GET', url: res.json().links.self, headers: lizi.headers });
  t.match(status.json(), { status: 'rejected', rowsTotal: 3, rowsRejected: 1 });
});

t.test('valid-rows mode applies the good rows and lists every rejected one, downloadable as CSV', async (t) => {
  const dup = idNumber();
  const odd = idNumber();
  const wrongSex = Number(odd[16]) % 2 === 1 ? '女' : '男';
  const csv = [
    '身份证号,姓名,村代码,档次,性别',
    `${dup},赵一,${V1},1,男`,
    `${dup},赵一,${V1},1,男`,
    `123,钱二,${V1},1,`,
    `${odd},,${SHETAN_VILLAGE},3,${wrongSex}`,
    `${idNumber()},孙三,${V1},1,`,
  ].join('\r\n');
  const res = await upload(csv, 'mode=valid-rows&wait=true');
  t.equal(res.statusCode, 200);
  t.match(res.json(), { status: 'applied', rowsTotal: 5, rowsRejected: 3, enrolmentsCreated: 2 });
  const file = await app.inject({ method: 'GET', url: res.json().links.rejections, headers: lizi.headers });
  t.equal(file.statusCode, 200);
  t.match(file.headers['content-type'], /text\/csv/);
  t.ok(file.body.startsWith('\uFEFF'), 'BOM for Excel');
  const lines = file.body.replace('\uFEFF', '').trim().split(/\r?\n/);
  t.equal(lines.length, 4, 'header and three rejected rows');
  t.equal(lines[0], '行号 line,原因 reasons,身份证号,姓名,村代码,档次,性别', 'the upload’s columns, in its order');
  t.match(lines[1], /^3,idNumber: also on line 2 \[DUPLICATE_IN_FILE\],/);
  t.match(lines[2], /^4,idNumber: must be 18 characters .* \[VALIDATION_FAILED\],/);
  t.match(
    lines[3],
    /^5,"?name: required \[VALIDATION_FAILED\]; villageCode: 500230102001 is outside the region of this API key \[OUT_OF_SCOPE\]; tier: 1 or 2 \(一档, 二档\) \[VALIDATION_FAILED\]/,
  );
  t.match(lines[3], /sex: does not match the ID number \[VALIDATION_FAILED\]/);
});

t.test('a GB18030 file from Excel on a Chinese Windows', async (t) => {
  const id = idNumber();
  const csv = ['身份证号码,姓名,村（社区）代码,档次', `${id},欧阳娜娜,${V2},二档`, ''].join('\r\n');
  const res = await upload(iconv.encode(csv, 'gb18030'), 'wait=true');
  t.match(res.json(), { status: 'applied', encoding: 'GB18030', enrolmentsCreated: 1 });
  const person = await db
    .selectFrom('enrollment.persons')
    .select('name')
    .where('id_number', '=', id)
    .executeTakeFirst();
  t.equal(person?.name, '欧阳娜娜');
});

t.test('an XLSX workbook, and a collector whose village is the default', async (t) => {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('参保登记');
  const ids = [idNumber(), idNumber()];
  sheet.addRow(['身份证号', '姓名', '档次']);
  sheet.addRow([ids[0], '周五', 1]);
  sheet.addRow([]);
  sheet.addRow([ids[1], '吴六', '二档']);
  const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
  const res = await upload(
    buffer,
    'wait=true',
    collector.headers,
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  );
  t.equal(res.statusCode, 200);
  t.match(res.json(), { format: 'xlsx', status: 'applied', rowsTotal: 2, enrolmentsCreated: 2 });
  const rows = await db
    .selectFrom('enrollment.enrolments')
    .select(['region_code', 'tier'])
    .where('id_number', 'in', ids)
    .execute();
  t.same(
    rows.map((r) => r.region_code),
    [V2, V2],
  );
});

t.test('a broken file is refused with the line where it breaks; a missing column by name', async (t) => {
  const ragged = ['idNumber,name,villageCode', `${idNumber()},甲,${V1}`, '', `${idNumber()},乙,${V1},extra`].join('\n');
  const res = await upload(ragged, 'wait=true');
  t.equal(res.statusCode, 422);
  t.match(res.json(), { code: 'IMPORT_FILE_INVALID', errors: [{ line: 4 }] });

  const noName = await upload(['idNumber,villageCode', `${idNumber()},${V1}`].join('\n'), 'wait=true');
  t.match(noName.json(), { status: 422, code: 'IMPORT_FILE_INVALID', errors: [{ line: 1, path: 'name' }] });
});

t.test('line numbers count blank lines and line breaks inside quoted cells', async (t) => {
  const csv = ['idNumber,name,villageCode', '', `${idNumber()},"王`, `二",${V1}`, `bad,甲,${V1}`].join('\n');
  const res = await upload(csv, 'mode=valid-rows&wait=true');
  t.match(res.json(), { rowsTotal: 2, rowsRejected: 1, enrolmentsCreated: 1 });
  const rejected = await db
    .selectFrom('enrollment.import_rejections')
    .select('line')
    .where('import_id', '=', res.json().id)
    .execute();
  t.same(
    rejected.map((r) => r.line),
    [5],
  );
});

t.test('progress is readable while an import runs, and after', async (t) => {
  // A reader holding a share lock on the enrolments keeps the import in its applying phase.
  const blocker = await poolOf(db).connect();
  await blocker.query('begin; lock table enrollment.enrolments in share mode');
  const res = await upload(['idNumber,name,villageCode', `${idNumber()},甲,${V1}`].join('\n'), '');
  t.equal(res.statusCode, 202, 'answered once the file is in');
  const location = res.headers.location as string;
  t.match(location, /^\/v1\/registration-imports\/[0-9a-f-]{36}$/);
  const statusNow = async () => (await app.inject({ method: 'GET', url: location, headers: lizi.headers })).json();
  let seen = await statusNow();
  for (let i = 0; i < 100 && seen.status !== 'applying'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    seen = await statusNow();
  }
  t.match(seen, { status: 'applying', rowsTotal: 1, rowsRejected: 0, finishedAt: null }, 'seen while it runs');
  await blocker.query('commit');
  blocker.release();
  let status = '';
  for (let i = 0; i < 100 && status !== 'applied'; i++) {
    status = (await statusNow()).status;
    if (status !== 'applied') await new Promise((r) => setTimeout(r, 20));
  }
  t.equal(status, 'applied');
  const list = await app.inject({ method: 'GET', url: '/v1/registration-imports', headers: lizi.headers });
  t.ok(list.json().some((i: { id: string }) => location.endsWith(i.id)));
  const shetan = await createTestKey(db, 'township-operator', { regionCode: '500230102' });
  t.match((await app.inject({ method: 'GET', url: location, headers: shetan.headers })).json(), {
    status: 403,
    code: 'OUT_OF_SCOPE',
  });
});

t.test('ID numbers: a 15-digit number is upgraded, lower-case x kept upper, Excel’s lost digits named', async (t) => {
  const old = idNumber('19700101');
  const fifteen = old.slice(0, 6) + old.slice(8, 17);
  const x = '11010519491231002x';
  const csv = [
    'idNumber,name,villageCode',
    `${fifteen},老王,${V1}`,
    `"${x}",王秀英,${V1}`,
    `1.10105E+17,张三,${V1}`,
  ].join('\n');
  const res = await upload(csv, 'mode=valid-rows&wait=true');
  t.match(res.json(), { rowsTotal: 3, rowsRejected: 1, enrolmentsCreated: 2 });
  const stored = await db
    .selectFrom('enrollment.persons')
    .select('id_number')
    .where('id_number', 'in', [old, x.toUpperCase()])
    .execute();
  t.equal(stored.length, 2, 'stored as 18 digits, upper-case X');
  const rejected = await db
    .selectFrom('enrollment.import_rejections')
    .select(['line', 'reasons'])
    .where('import_id', '=', res.json().id)
    .execute();
  t.match(rejected, [{ line: 4, reasons: [/^idNumber: a spreadsheet kept it as a number .* \[EXCEL_NUMBER\]$/] }]);
});

t.test('an import whose process died is shown as interrupted, not running for ever', async (t) => {
  // As left by a service killed mid-import: the row says validating, nobody holds its lock.
  const row = await db
    .insertInto('enrollment.imports')
    .values({ year: 2026, mode: 'whole-file', format: 'csv', status: 'validating', scope_region_code: LIZI })
    .returning('id')
    .executeTakeFirstOrThrow();
  const res = await app.inject({ method: 'GET', url: `/v1/registration-imports/${row.id}`, headers: lizi.headers });
  t.match(res.json(), { status: 'failed', problem: { code: 'IMPORT_INTERRUPTED' } });
});

t.test('households by 户号: created, members attached with their relation, the head set', async (t) => {
  const [head, wife, son, stray, lonely] = [
    idNumber('19700101'),
    idNumber('19720101'),
    idNumber('20000101'),
    idNumber(),
    idNumber(),
  ];
  const csv = [
    '身份证号,姓名,村(社区)代码,户号,与户主关系',
    `${head},周大,${V1},A-001,户主`,
    `${wife},吴二,${V1},A-001,配偶`,
    `${son},周三,${V1},A-001,儿子`,
    `${stray},郑四,${V1},A-002,表哥`,
    `${lonely},王五,${V1},A-003,子女`,
  ].join('\n');
  const res = await upload(csv, 'mode=valid-rows&wait=true');
  t.match(res.json(), { status: 'applied', rowsTotal: 5, rowsRejected: 2, enrolmentsCreated: 3 });
  const household = await db
    .selectFrom('enrollment.households')
    .selectAll()
    .where('region_code', '=', V1)
    .where('number', '=', 'A-001')
    .executeTakeFirstOrThrow();
  t.equal(household.head_id_number, head);
  const members = await db
    .selectFrom('enrollment.persons')
    .select(['id_number', 'relation'])
    .where('household_id', '=', household.id)
    .orderBy('id_number')
    .execute();
  t.same(
    members.map((m) => [m.id_number, m.relation]).sort(),
    [
      [head, 'head'],
      [wife, 'spouse'],
      [son, 'child'],
    ].sort(),
  );
  const rejected = await db
    .selectFrom('enrollment.import_rejections')
    .select(['line', 'reasons'])
    .where('import_id', '=', res.json().id)
    .orderBy('line')
    .execute();
  t.match(rejected, [
    { line: 5, reasons: [/^relation: 户主, 配偶.* \[VALIDATION_FAILED\]$/] },
    { line: 6, reasons: [/household A-003 has no head/] },
  ]);
  const moved = await upload(
    ['身份证号,姓名,村(社区)代码,户号,与户主关系', `${son},周三,${V1},B-001,户主`].join('\n'),
    'wait=true',
  );
  t.match(moved.json(), {
    code: 'IMPORT_ROWS_INVALID',
    errors: [{ line: 2, message: /already a member of another household/ }],
  });
});

t.test('a sheet as counties keep it: title rows above the header, full-width brackets, short rows', async (t) => {
  const ids = [idNumber(), idNumber()];
  const csv = [
    '栗子乡2026年城乡居民医保参保登记表,,,,',
    '填报单位：南江村,,,,填报日期：2026-09-01',
    '',
    '序号, 身份证号码 ,姓　名,村（社区）代码,*档次(一档/二档)',
    `1,${ids[0]},向一,${V2},二档`,
    `2,${ids[1]},向二,${V2}`,
    ',,,,',
  ].join('\r\n');
  const res = await upload(iconv.encode(csv, 'gb18030'), 'wait=true');
  t.equal(res.statusCode, 200);
  t.match(res.json(), { status: 'applied', encoding: 'GB18030', rowsTotal: 2, enrolmentsCreated: 2 });
  const tiers = await db
    .selectFrom('enrollment.enrolments')
    .select(['id_number', 'tier'])
    .where('id_number', 'in', ids)
    .orderBy('id_number')
    .execute();
  t.same(
    tiers.map((r) => [r.id_number, r.tier]).sort(),
    [
      [ids[0], 2],
      [ids[1], 1],
    ].sort(),
  );

  const bad = ['登记表', '身份证号,姓名,村(社区)代码', `${idNumber()},甲`, `bad,乙,${V2}`].join('\n');
  const refused = await upload(bad, 'wait=true');
  t.match(refused.json(), {
    code: 'IMPORT_ROWS_INVALID',
    errors: [
      { line: 3, message: 'villageCode: required [VALIDATION_FAILED]' },
      { line: 4, message: /^idNumber: must be 18 characters/ },
    ],
  });
});

t.test('an ID number Excel kept as a number is named with its line and column, in XLSX as in CSV', async (t) => {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('参保登记');
  sheet.addRow(['2026年参保登记表']);
  sheet.mergeCells('A1:D1');
  sheet.addRow(['身份证号', '姓名', '村(社区)代码', '监护人身份证号']);
  const good = idNumber();
  sheet.addRow([good, '钟一', V1, '']);
  // Typed into a cell formatted General: Excel keeps 15 digits of it.
  sheet.addRow([Number(idNumber()), '钟二', Number(V1), '']);
  sheet.addRow([idNumber(), '钟三', V1, Number(good)]);
  const res = await upload(
    Buffer.from(await workbook.xlsx.writeBuffer()),
    'mode=valid-rows&wait=true',
    lizi.headers,
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  );
  t.match(res.json(), { status: 'applied', rowsTotal: 3, rowsRejected: 2, enrolmentsCreated: 1 });
  const rejected = await db
    .selectFrom('enrollment.import_rejections')
    .select(['line', 'reasons', 'row'])
    .where('import_id', '=', res.json().id)
    .orderBy('line')
    .execute();
  t.match(rejected, [
    {
      line: 4,
      reasons: [/^idNumber: a spreadsheet kept it as a number .* \[EXCEL_NUMBER\]$/],
      row: { 身份证号: /E\+17$/ },
    },
    { line: 5, reasons: [/^guardianIdNumber: a spreadsheet kept it as a number .* \[EXCEL_NUMBER\]$/] },
  ]);
  t.equal(rejected[0]?.reasons.length, 1, 'a 12-digit village code survives as a number');
});

t.test('a village or key the register names cannot be removed or renumbered', async (t) => {
  // Enrolments reach regions and keys without per-row foreign keys (checked set-wise by the
  // writes); the database still refuses to take a named one away.
  const id = idNumber();
  const res = await upload(['身份证号,姓名,村(社区)代码', `${id},冯一,${NAMED_VILLAGE}`].join('\n'), 'wait=true');
  t.match(res.json(), { status: 'applied', enrolmentsCreated: 1 });
  await t.rejects(sql`delete from core.regions where code = ${NAMED_VILLAGE}`.execute(db), {
    code: '23503',
    message: `region ${NAMED_VILLAGE} is named by the register and cannot be removed`,
  });
  await t.rejects(sql`update core.regions set code = '500230209999' where code = ${NAMED_VILLAGE}`.execute(db), {
    code: '23503',
  });
  await t.rejects(sql`delete from core.api_keys where id = ${lizi.id}`.execute(db), { code: '23503' });
  // Rolled back, so the village stays for whatever runs next.
  const rollback = new Error('rollback');
  await t.rejects(
    db.transaction().execute(async (trx) => {
      const gone = await sql`delete from core.regions where code = ${UNNAMED_VILLAGE}`.execute(trx);
      t.equal(Number(gone.numAffectedRows), 1, 'a village nobody is registered in can go');
      throw rollback;
    }),
    rollback,
  );
});
