import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import pg from 'pg';
import t from 'tap';
import {
  createHeaderMatcher,
  type DerivedColumns,
  FileProblem,
  type Staged,
  type StageOptions,
  stageUpload,
  type XlsxLimits,
} from '../src/index.js';
import { inlineRow, sheetXml, xlsxWorkbook } from '../src/testing.js';

// Uploads into a staging table through COPY, CSV, XLSX and NDJSON alike: the rows PostgreSQL holds
// afterwards, with their lines. Only temp tables are made, on the test runner's admin database.

const url = process.env.RMI_TEST_ADMIN_URL;
if (!url) throw new Error('RMI_TEST_ADMIN_URL is unset: run through `pnpm test`');
const pool = new pg.Pool({ connectionString: url, max: 2 });
t.teardown(() => pool.end());

const MiB = 1024 * 1024;
const LIMITS: XlsxLimits = {
  maxEntries: 1000,
  maxInflatedBytes: 64 * MiB,
  maxSharedStringsBytes: 16 * MiB,
  maxSharedStrings: 100_000,
  maxRowChars: MiB,
};

const matcher = createHeaderMatcher({
  idNumber: ['身份证号', 'idNumber'],
  name: ['姓名', 'name'],
  villageCode: ['村(社区)代码', 'villageCode'],
});
type Field = (typeof matcher.fields)[number];

/** The ID number cell twice: as given and upper-cased, to show derived columns are staged. */
const upperId: StageOptions<Field>['derive'] = ({ match }): DerivedColumns => ({
  names: ['id_upper'],
  compute: (cell) => [cell(match.columns.idNumber).toUpperCase()],
});

async function stage(
  body: Buffer | string,
  options: Partial<StageOptions<Field>> = {},
): Promise<{ staged: Staged<Field>; rows: Array<Record<string, string | number>> }> {
  const client = await pool.connect();
  try {
    const staged = await stageUpload(client, Readable.from([Buffer.from(body)]), {
      format: 'csv',
      matcher,
      required: ['idNumber', 'name'],
      derive: upperId,
      xlsx: LIMITS,
      ...options,
    });
    const rows = (await client.query(`select * from ${staged.table} order by line`)).rows;
    return { staged, rows };
  } finally {
    await client.query('drop table if exists ingest_rows').catch(() => {});
    client.release();
  }
}

t.test('CSV in GB18030 with title rows, a full-width header and a quoted line break', async (t) => {
  const csv = [
    '栗子乡参保登记表,,,',
    '',
    '序号,身份证号, 姓 名 ,村（社区）代码',
    '1,11010519491231002x,"欧阳',
    '娜娜",500230209001',
    '2,110105194912310021,王,',
    '',
  ].join('\r\n');
  const { staged, rows } = await stage(iconv.encode(csv, 'gb18030'));
  t.equal(staged.encoding, 'GB18030');
  t.match(staged.header, { line: 3, match: { columns: { idNumber: 1, name: 2, villageCode: 3 } } });
  t.equal(staged.column('villageCode'), 'c3');
  t.equal(staged.rows, 2);
  t.same(rows, [
    {
      line: 4,
      id_upper: '11010519491231002X',
      c0: '1',
      c1: '11010519491231002x',
      c2: '欧阳\r\n娜娜',
      c3: '500230209001',
    },
    { line: 6, id_upper: '110105194912310021', c0: '2', c1: '110105194912310021', c2: '王', c3: null },
  ]);
});

t.test('XLSX: header below a merged title, numbers Excel shortened shown as Excel shows them', async (t) => {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('登记');
  sheet.addRow(['2026年参保登记']);
  sheet.mergeCells('A1:C1');
  sheet.addRow(['身份证号', '姓名', '村(社区)代码']);
  // An ID number typed into a cell formatted General: a double, 15 digits of it kept.
  sheet.addRow([Number('500230198001010011'), '王', 500230209001]);
  sheet.addRow(['50023019800101003X', '李', '500230209001']);
  const { staged, rows } = await stage(Buffer.from(await workbook.xlsx.writeBuffer()), { format: 'xlsx' });
  t.equal(staged.header.line, 2);
  t.same(rows, [
    { line: 3, id_upper: '5.00230E+17', c0: '5.00230E+17', c1: '王', c2: '500230209001' },
    { line: 4, id_upper: '50023019800101003X', c0: '50023019800101003X', c1: '李', c2: '500230209001' },
  ]);
});

t.test('NDJSON: keys matched like headers, lines kept, numbers JSON cannot keep shown as shortened', async (t) => {
  const ndjson = [
    '{"身份证号":"11010519491231002X","姓 名":"王","extra":1}',
    '',
    '{"idNumber":500230198001010011,"name":"李","villageCode":500230209001}\r',
    '{"name":"无号"}',
  ].join('\n');
  const { staged, rows } = await stage(ndjson, { format: 'ndjson' });
  t.same(staged.header.cells, ['idNumber', 'name', 'villageCode']);
  t.same(rows, [
    { line: 1, id_upper: '11010519491231002X', c0: '11010519491231002X', c1: '王', c2: null },
    { line: 3, id_upper: '5.00230E+17', c0: '5.00230E+17', c1: '李', c2: '500230209001' },
    { line: 4, id_upper: null, c0: null, c1: '无号', c2: null },
  ]);
  await t.rejects(stage('{"name":"a"}\n{"name":\n', { format: 'ndjson' }), {
    name: 'FileProblem',
    errors: [{ line: 2 }],
  });
  await t.rejects(stage('{"name":"a"}\n[1]\n', { format: 'ndjson' }), { errors: [{ line: 2 }] });
});

t.test('refusals name the line or the column, before a row is staged', async (t) => {
  await t.rejects(stage('标题\n身份证号,村代码\n1,2\n'), {
    name: 'FileProblem',
    code: 'IMPORT_FILE_INVALID',
    errors: [{ line: 2, path: 'name', message: 'no name column' }],
  });
  await t.rejects(stage('身份证号,姓名,NAME\n1,2,3\n'), {
    errors: [{ line: 1, path: 'name', message: 'more than one name column' }],
  });
  await t.rejects(stage('身份证号,姓名\n1,王\n\n2,李,多余\n'), {
    errors: [{ line: 4, message: 'the row has more cells than the header' }],
  });
  await t.rejects(stage('身份证号,姓名\n1,"王\n'), { code: 'IMPORT_FILE_INVALID', errors: [{ line: 2 }] });
  await t.rejects(stage(''), { errors: [{ line: 1, message: 'no header row' }] });
  const refused = new FileProblem('too large', [{ message: 'too large' }], 'IMPORT_TOO_LARGE');
  await t.rejects(
    stage('身份证号,姓名\n1,王\n', {
      onBytes: (n) => {
        if (n > 10) throw refused;
      },
    }),
    refused,
  );
  await t.rejects(stage(xlsxWorkbook({ sheet: sheetXml(inlineRow(1, ['身份证号'])) }), { format: 'xlsx' }), {
    errors: [{ line: 1, path: 'name' }],
  });
  await t.rejects(stage(xlsxWorkbook({ sheet: `${sheetXml('')}<x` }), { format: 'xlsx' }), {
    code: 'IMPORT_FILE_INVALID',
    message: /not a readable XLSX workbook/,
  });
});
