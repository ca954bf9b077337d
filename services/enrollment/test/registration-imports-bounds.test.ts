import { inlineRow, repeatedPart, sharedStringsXml, sheetXml, xlsxWorkbook } from '@rmi/ingest/testing';
import { buildApp, createTestKey } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import enrollmentApp, { SERVICE } from '../src/app.js';
import { enrollmentConfig, idNumbers, loadCq2026, setup } from './helpers.js';

// XLSX uploads that inflate far past what they weigh (zip and XML bombs) are refused with 413
// IMPORT_TOO_LARGE, naming the bound, before they cost the service its memory; nothing of them is
// registered and the service goes on answering. The bombs are made here, in milliseconds.

const MiB = 1024 * 1024;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const { app, db } = await setup(t);
await loadCq2026(db);
// The same service with bounds low enough for small files to cross them.
const strict = await buildApp(SERVICE, enrollmentApp, {
  db,
  config: enrollmentConfig({
    IMPORT_MAX_BYTES: String(256 * 1024),
    IMPORT_XLSX_MAX_INFLATED_BYTES: String(4 * MiB),
  }),
});
t.teardown(() => strict.close());

const V2 = '500230209200';
const collector = await createTestKey(db, 'collector', { regionCode: V2 });
const idNumber = idNumbers();

const upload = (target: FastifyInstance, file: Buffer, type = XLSX) =>
  target.inject({
    method: 'POST',
    url: '/v1/registration-imports?year=2026&wait=true',
    headers: { ...collector.headers, 'content-type': type },
    payload: file,
  });

/** A header and two rows that would register: only a bound can refuse the file. */
const validRows = () =>
  inlineRow(1, ['身份证号', '姓名', '档次']) +
  inlineRow(2, [idNumber(), '周五', '1']) +
  inlineRow(3, [idNumber(), '吴六', '2']);
const HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
const TAIL = '</sheetData></worksheet>';

const registered = async () =>
  Number(
    (
      await db
        .selectFrom('enrollment.persons')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** The upload is answered 413 with the bound, stored as rejected, registers nobody; the service answers on. */
async function assertTooLarge(t: Test, target: FastifyInstance, file: Buffer, detail: RegExp) {
  const before = await registered();
  const res = await upload(target, file);
  t.equal(res.statusCode, 413);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  const problem = res.json();
  t.match(problem, { status: 413, code: 'IMPORT_TOO_LARGE', detail, errors: [{ message: String }] });
  const stored = await target.inject({ method: 'GET', url: problem.links.self, headers: collector.headers });
  t.match(stored.json(), {
    status: 'rejected',
    problem: { code: 'IMPORT_TOO_LARGE', detail },
    personsCreated: null,
    enrolmentsCreated: null,
  });
  t.equal(await registered(), before, 'nobody was registered');
  t.equal((await target.inject({ method: 'GET', url: '/ready' })).statusCode, 200, 'the service answers on');
  return problem;
}

t.test('a sheet that inflates past the configured bound', async (t) => {
  const file = xlsxWorkbook({ sheet: repeatedPart(HEAD + validRows(), '<row/>', 64 * MiB, TAIL) });
  t.ok(file.length < 200 * 1024, `${file.length} bytes that inflate to 64 MiB`);
  await assertTooLarge(t, strict, file, /IMPORT_XLSX_MAX_INFLATED_BYTES: 4194304/);
});

t.test('with the default bounds, a file that inflates to 1.5 GiB is refused in bounded memory', async (t) => {
  const file = xlsxWorkbook({ sheet: repeatedPart(HEAD + validRows(), '<row/>', 1536 * MiB, TAIL) });
  t.ok(file.length < 4 * MiB, `${file.length} bytes that inflate to 1.5 GiB`);
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    await assertTooLarge(t, app, file, /IMPORT_XLSX_MAX_INFLATED_BYTES: 536870912/);
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  t.ok(peak - before < 200 * MiB, `resident memory grew by ${Math.round((peak - before) / MiB)} MiB`);
});

t.test('shared strings that inflate past their bound', async (t) => {
  const file = xlsxWorkbook({
    sheet: sheetXml(validRows()),
    sharedStrings: repeatedPart('<sst>', '<si><t>王秀英</t></si>', 256 * MiB, '</sst>'),
  });
  t.ok(file.length < MiB);
  await assertTooLarge(t, app, file, /IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES: 67108864/);
});

t.test('a long shared string used by thousands of cells counts each time it is used', async (t) => {
  // 30,000 characters stored once, used by rows of a few bytes each: 60 MB of text from 40 kB.
  const uses = Array.from({ length: 2000 }, (_, i) => `<row r="${i + 4}"><c r="B${i + 4}" t="s"><v>0</v></c></row>`);
  const file = xlsxWorkbook({
    sheet: sheetXml(validRows() + uses.join('')),
    sharedStrings: sharedStringsXml(['长'.repeat(30_000)]),
  });
  t.ok(file.length < 64 * 1024);
  await assertTooLarge(t, strict, file, /IMPORT_XLSX_MAX_INFLATED_BYTES: 4194304/);
});

t.test('an archive of more entries than a workbook has', async (t) => {
  const file = xlsxWorkbook({ sheet: sheetXml(validRows()), padding: 1500 });
  const problem = await assertTooLarge(t, app, file, /IMPORT_XLSX_MAX_ENTRIES: 1000/);
  t.match(problem.errors, [{ message: /1505 entries/ }]);
});

t.test('a cell longer than Excel’s 32,767 characters, named by its row', async (t) => {
  const file = xlsxWorkbook({ sheet: sheetXml(validRows() + inlineRow(4, [idNumber(), '王'.repeat(32_768)])) });
  const problem = await assertTooLarge(t, app, file, /cell B4 has more than 32767 characters/);
  t.match(problem.errors, [{ line: 4 }]);
});

t.test('an upload larger than IMPORT_MAX_BYTES is 413 too, CSV or XLSX', async (t) => {
  const csv = Buffer.from(`身份证号,姓名\n${`${idNumber()},王\n`.repeat(20_000)}`);
  await assertTooLarge(t, strict, csv.subarray(0, 300 * 1024), /IMPORT_MAX_BYTES/);
  const before = await registered();
  const res = await upload(strict, csv.subarray(0, 300 * 1024), 'text/csv');
  t.match(res.json(), { status: 413, code: 'IMPORT_TOO_LARGE', detail: /262144 bytes \(IMPORT_MAX_BYTES\)/ });
  t.equal(await registered(), before);
});

t.test('a file that is no workbook stays 422 IMPORT_FILE_INVALID', async (t) => {
  const notZip = await upload(app, Buffer.from('身份证号,姓名\n'));
  t.equal(notZip.statusCode, 422);
  t.match(notZip.json(), { code: 'IMPORT_FILE_INVALID', detail: /not a zip archive/ });
  const broken = await upload(app, xlsxWorkbook({ sheet: `${HEAD}<row><c>${TAIL}` }));
  t.equal(broken.statusCode, 422);
  t.match(broken.json(), { code: 'IMPORT_FILE_INVALID', detail: /not well-formed XML/ });
});

t.test('after all that, a workbook within the bounds registers on either service', async (t) => {
  for (const target of [app, strict]) {
    const res = await upload(target, xlsxWorkbook({ sheet: sheetXml(validRows()) }));
    t.equal(res.statusCode, 200);
    t.match(res.json(), { status: 'applied', rowsTotal: 2, enrolmentsCreated: 2 });
  }
});
