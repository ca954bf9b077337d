import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createTestDatabase } from '@rmi/db';
import {
  createHeaderMatcher,
  decodeText,
  detectEncoding,
  findHeader,
  hasBom,
  isExcelShortened,
  parseCsv,
  readNdjson,
  readXlsxRows,
  type XlsxRow,
} from '@rmi/ingest';
import { parseIdNumber, resolveIdentities } from '@rmi/rules';
import { testConfig } from '@rmi/service-kit';
import ExcelJS from 'exceljs';
import t from 'tap';
import { SubsidyIdentityConfigSchema } from '../src/app.js';
import { xlsxLimits } from '../src/config.js';
import {
  bomCsvCq,
  demoVillages,
  demoVillagesFromSeed,
  type FeedRow,
  feedRows,
  gb18030Csv,
  ndjson,
  type SnapshotTally,
  shortenedId,
  snapshotRows,
  truncate,
  writeCsvFile,
  xlsxWithTitle,
} from './fixtures/feed-files.js';

// The generated files, read back with the readers the service uses: what a clerk would recognise
// in them (their headers, names, villages) and what makes each kind hard (its encoding, its title
// row, its shortened numbers) must be there.

const tdb = await createTestDatabase();
t.teardown(() => tdb.destroy());
const villages = await demoVillages(tdb.db);
const limits = xlsxLimits(testConfig({}, SubsidyIdentityConfigSchema));
const TODAY = '2025-01-15';

// The contract's column aliases that these files use.
const COLUMNS = {
  idNumber: ['身份证号码', '公民身份号码', 'idNumber'],
  name: ['姓名', 'name'],
  identity: ['身份类别', '救助类别', 'identity'],
  township: ['镇（街）', 'township'],
  village: ['村（居）', '村(社区)', 'village', 'villageCode'],
  certifiedOn: ['纳入时间', '认定日期', 'certifiedOn'],
};

async function xlsxRows(file: Buffer): Promise<XlsxRow[]> {
  const rows: XlsxRow[] = [];
  for await (const row of readXlsxRows(Readable.from([file]), limits)) rows.push(row);
  return rows;
}

t.test('the demo county’s villages, from the database and from the seed file alike', async (t) => {
  t.equal(villages.length, 24);
  t.same(await demoVillagesFromSeed(), villages);
  t.match(
    villages.find((v) => v.code === '500230102200'),
    { name: '德盛村村民委员会', townshipCode: '500230102', townshipName: '社坛镇' },
  );
});

t.test('people: valid ID numbers, unique, the same for the same seed', async (t) => {
  const rows = feedRows(50_000, { villages, seed: 3 });
  const ids = new Set(rows.map((r) => r.idNumber));
  t.equal(ids.size, rows.length, 'no ID number twice');
  const bad = rows.filter((r) => !parseIdNumber(r.idNumber, TODAY).ok);
  t.same(bad, [], 'every check character and birth date is right');
  t.ok(
    rows.some((r) => r.idNumber.endsWith('X')),
    'some end in X',
  );
  t.same(feedRows(50, { villages, seed: 3 }), rows.slice(0, 50), 'same seed, same people');
  t.not(feedRows(1, { villages, seed: 4 })[0]?.idNumber, rows[0]?.idNumber, 'another seed, other people');

  const codes = rows.map((r) => resolveIdentities([r.identity]).codes[0]);
  const share = (code: string) => codes.filter((c) => c === code).length / rows.length;
  t.ok(share('subsistence-allowance') > 0.5, '低保 is most of civil affairs’ list');
  t.ok(share('extreme-poverty') > 0.05 && share('orphan') > 0.001, '特困 and orphans are there too');
  for (const row of rows.filter((r) => resolveIdentities([r.identity]).codes[0] === 'orphan')) {
    const birth = parseIdNumber(row.idNumber, TODAY);
    if (birth.ok && birth.birthDate < '2006-01-01') t.fail(`an orphan born ${birth.birthDate}`);
  }
  t.ok(
    rows.every((r) => !r.certifiedOn || r.certifiedOn < '2025-01-01'),
    'certified before the first period',
  );
  t.ok(
    rows.some((r) => !r.certifiedOn),
    'some rows carry no date',
  );
});

t.test('a GB18030 CSV as Excel saves it on a Chinese Windows', async (t) => {
  const rows = feedRows(300, { villages, seed: 11 });
  const file = gb18030Csv(rows, { title: '丰都县2025年城乡低保对象名册' });
  t.equal(detectEncoding(file), 'gb18030', 'not UTF-8: detected as GB18030');
  const { text, encoding } = decodeText(file);
  t.equal(encoding, 'gb18030');
  t.ok(text.startsWith('丰都县2025年城乡低保对象名册,,,,,\r\n身份证号码,姓名,身份类别,镇（街）,村（居）,纳入时间\r\n'));
  t.notOk(/[^\r]\n/.test(text), 'every line ends CRLF');
  t.ok(text.endsWith('\r\n'));

  const parsed = parseCsv(text, COLUMNS);
  t.equal(parsed.headerLine, 2, 'the header is found under the title');
  t.equal(parsed.rows.length, 300);
  const first = rows[0] as FeedRow;
  t.same(parsed.rows[0], {
    line: 3,
    values: {
      idNumber: first.idNumber,
      name: first.name,
      identity: first.identity,
      township: first.township,
      village: first.village,
      certifiedOn: first.certifiedOn ?? '',
    },
  });
  const names = new Set(villages.map((v) => v.name));
  t.ok(
    parsed.rows.every((r) => names.has(r.values.village)),
    'villages by their names',
  );

  const excel = decodeText(gb18030Csv(rows.slice(0, 2), { dateStyle: 'excel', shortenIds: { rows: [1] } })).text;
  const [, one, two] = excel.split('\r\n');
  t.match(one, /,\d{4}\/\d{1,2}\/\d{1,2}$/, 'Excel’s dates');
  t.ok(isExcelShortened(two?.split(',')[0] ?? ''), 'an ID number Excel made a number');
});

t.test('an XLSX with a merged title row and ID numbers Excel shortened', async (t) => {
  const rows = feedRows(400, { villages, seed: 12 });
  const file = await xlsxWithTitle(rows, { title: '丰都县2025年城乡低保对象名册', numericIds: true });

  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(file as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0] as ExcelJS.Worksheet;
  t.equal(sheet.getCell('A1').value, '丰都县2025年城乡低保对象名册');
  t.ok(sheet.getCell('F1').isMerged, 'the title spans the header’s width');
  t.equal(typeof sheet.getCell('A4').value, 'number', 'ID numbers are numeric cells');

  const read = await xlsxRows(file);
  t.same(read[0]?.cells[0], '丰都县2025年城乡低保对象名册');
  const header = findHeader(read.slice(0, 12), createHeaderMatcher(COLUMNS), ['idNumber']);
  t.equal(header?.line, 3, 'the header is row 3, under the title and a blank row');
  const data = read.filter((r) => r.line > 3);
  t.equal(data.length, 400);
  data.forEach((r, i) => {
    const row = rows[i] as FeedRow;
    if (row.idNumber.endsWith('X')) {
      if (r.cells[0] !== row.idNumber) t.fail(`an ID number ending in X is text: ${r.cells[0]}`);
    } else if (r.cells[0] !== shortenedId(row.idNumber) || !isExcelShortened(r.cells[0] ?? '')) {
      t.fail(`row ${r.line}: ${r.cells[0]} is not shortened`);
    }
  });
  t.equal(data[0]?.cells[0], '5.00230E+17', 'seen as Excel shows it');
  t.same(data[0]?.cells.slice(1), [
    rows[0]?.name,
    rows[0]?.identity,
    rows[0]?.township,
    rows[0]?.village,
    rows[0]?.certifiedOn ?? '',
  ]);
  t.ok(
    data.every((r, i) => (r.cells[5] ?? '') === (rows[i]?.certifiedOn ?? '')),
    'date cells read as dates',
  );

  const exact = await xlsxRows(
    await xlsxWithTitle(rows.slice(0, 5), { numericIds: [1], subtitle: '填报单位：丰都县民政局' }),
  );
  t.same(exact[1]?.cells, ['填报单位：丰都县民政局'], 'a note under the title');
  t.same(
    exact.slice(3).map((r) => r.cells[0]),
    rows.slice(0, 5).map((r, i) => (i === 1 ? shortenedId(r.idNumber) : r.idNumber)),
    'only the rows named are numbers',
  );
});

t.test('a UTF-8 CSV with BOM, Chongqing’s identity numbers and village codes', async (t) => {
  const rows = feedRows(300, { villages, seed: 13 });
  const file = bomCsvCq(rows);
  t.ok(hasBom(file));
  t.equal(detectEncoding(file), 'utf-8');
  const { text } = decodeText(file);
  t.notOk(text.includes('\r'), 'LF line ends');
  const parsed = parseCsv(text, COLUMNS);
  t.equal(parsed.headerLine, 1);
  t.same(parsed.missingColumns, ['township'], 'no township column: the code says it');
  const codes = new Set(villages.map((v) => v.code));
  parsed.rows.forEach((r, i) => {
    const row = rows[i] as FeedRow;
    if (!codes.has(r.values.village)) t.fail(`line ${r.line}: ${r.values.village} is no village code`);
    if (resolveIdentities([r.values.identity]).codes[0] !== resolveIdentities([row.identity]).codes[0])
      t.fail(`line ${r.line}: ${r.values.identity} is not ${row.identity}`);
  });
  const numbers = new Set(parsed.rows.map((r) => r.values.identity));
  t.ok(numbers.has('7019') && numbers.has('7131'), '低保 as 7019, 特困 as 7131');
  t.ok(numbers.has('民政部门建档其他人员'), 'an identity without a number keeps its label');
});

t.test('NDJSON with the contract’s English keys', async (t) => {
  const rows = feedRows(50, { villages, seed: 14 });
  const byCode = rows.map((r, i) => (i % 2 ? { ...r, village: r.villageCode as string } : r));
  const read = [];
  for await (const record of readNdjson(Readable.from([ndjson(byCode)]))) read.push(record);
  t.equal(read.length, 50);
  t.same(Object.keys(read[0]?.value ?? {}).slice(0, 5), ['idNumber', 'name', 'identity', 'township', 'village']);
  t.equal(read[1]?.value.villageCode, rows[1]?.villageCode);
  t.equal(read[1]?.line, 2);
  const actions = ndjson([{ ...(rows[0] as FeedRow), action: '退出', endedOn: '2025-01-31' }]).toString();
  t.match(JSON.parse(actions), { action: '退出', endedOn: '2025-01-31' });
});

t.test('a file cut short, as a broken download leaves it', async (t) => {
  const rows = feedRows(1000, { villages, seed: 15 });
  const file = gb18030Csv(rows);
  const cut = truncate(file, 0.3);
  t.equal(cut.length, Math.floor(file.length * 0.3));
  t.same(cut, file.subarray(0, cut.length));
  const parsed = parseCsv(decodeText(cut).text, COLUMNS);
  t.ok(parsed.rows.length > 250 && parsed.rows.length < 350, `about 30% of the rows (${parsed.rows.length})`);
  t.throws(() => truncate(file, 1.5));
});

t.test('the next period’s list: the same people, some gone, some moved, some new', async (t) => {
  const options = { villages, seed: 21, count: 20_000 };
  const before = [...snapshotRows(options)];
  const tally: SnapshotTally = { kept: 0, moved: 0, removed: 0, added: 0 };
  const after = [...snapshotRows({ ...options, turnover: { removed: 0.02, moved: 0.01 }, tally })];
  t.equal(after.length, before.length, 'the same size');
  t.ok(tally.removed > 300 && tally.removed < 500, `about 2% gone (${tally.removed})`);
  t.ok(tally.moved > 130 && tally.moved < 270, `about 1% moved (${tally.moved})`);
  t.equal(tally.added, tally.removed);
  const old = new Map(before.map((r) => [r.idNumber, r]));
  let moved = 0;
  let same = 0;
  for (const row of after) {
    const was = old.get(row.idNumber);
    if (!was) continue;
    if (was.villageCode !== row.villageCode) {
      moved++;
      const elsewhere = { ...row, township: was.township, village: was.village, villageCode: was.villageCode };
      if (JSON.stringify(elsewhere) !== JSON.stringify(was)) t.fail(`${row.idNumber} changed more than the village`);
    } else if (JSON.stringify(was) === JSON.stringify(row)) same++;
  }
  t.equal(moved, tally.moved, 'a moved person is the same row in another village');
  t.equal(same, tally.kept, 'everyone else is the row they were');
  t.equal(after.filter((r) => !old.has(r.idNumber)).length, tally.added, 'new people are new ID numbers');
});

t.test('a big file streams to disk with the same bytes', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'rmi-feed-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const options = { villages, seed: 31, count: 20_000 };
  const rows = feedRows(20_000, options);

  const gb = path.join(dir, 'list.csv');
  const written = await writeCsvFile(gb, snapshotRows(options));
  const expected = gb18030Csv(rows);
  t.same(written, { rows: 20_000, bytes: expected.length });
  t.ok((await readFile(gb)).equals(expected), 'as gb18030Csv makes it');

  const cq = path.join(dir, 'cq.csv');
  await writeCsvFile(cq, snapshotRows(options), { cq: true });
  t.ok((await readFile(cq)).equals(bomCsvCq(rows)), 'as bomCsvCq makes it');
});
