import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import t from 'tap';
import {
  EXCEL_MAX_CELL_CHARS,
  EXCEL_MAX_COLUMNS,
  MAX_DEPTH,
  MAX_MARKUP_RUN,
  readXlsxRows,
  type XlsxLimits,
  type XlsxRow,
  XlsxTooLarge,
  XlsxUnreadable,
} from '../src/index.js';
import { inlineRow, repeatedPart, sharedStringsXml, sheetXml, xlsxWorkbook, zipArchive } from '../src/testing.js';

// This file's temp files go to a folder of its own, so it can tell that every one was removed.
const ownTmp = mkdtempSync(join(tmpdir(), 'ingest-test-'));
process.env.TMPDIR = ownTmp;
t.teardown(() => rmSync(ownTmp, { recursive: true, force: true }));
const leftovers = () => readdirSync(tmpdir()).filter((name) => name.startsWith('rmi-xlsx-'));

const MiB = 1024 * 1024;
const LIMITS: XlsxLimits = {
  maxEntries: 1000,
  maxInflatedBytes: 512 * MiB,
  maxSharedStringsBytes: 64 * MiB,
  maxSharedStrings: 1_000_000,
  maxRowChars: MiB,
};

async function rowsOf(file: Buffer, limits: Partial<XlsxLimits> = {}): Promise<XlsxRow[]> {
  const rows: XlsxRow[] = [];
  for await (const row of readXlsxRows(Readable.from([file]), { ...LIMITS, ...limits })) rows.push(row);
  return rows;
}

/** The error reading stops with, and the rows it handed out before. */
async function refusal(file: Buffer, limits: Partial<XlsxLimits> = {}) {
  const rows: XlsxRow[] = [];
  try {
    for await (const row of readXlsxRows(Readable.from([file]), { ...LIMITS, ...limits })) rows.push(row);
  } catch (err) {
    return { err: err as Error, rows };
  }
  throw new Error('the workbook was read to the end');
}

const header = inlineRow(1, ['身份证号', '姓名']);

t.test('a workbook Excel would write (here by exceljs): every kind of cell as Excel shows it', async (t) => {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('参保登记');
  workbook.addWorksheet('second');
  sheet.addRow(['身份证号', '姓名', '出生日期', '电话', '档次', '备注', '合计', '已缴']);
  sheet.addRow([
    '11010519491231002X',
    '王秀英',
    new Date(Date.UTC(1949, 11, 31)),
    13800001111,
    1.5,
    { richText: [{ text: '欧阳' }, { font: { bold: true }, text: '娜娜' }] },
    { formula: 'E2*2', result: 3 },
    true,
  ]);
  sheet.addRow([]);
  sheet.getCell('B4').value = 'only B';
  const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
  t.same(await rowsOf(buffer), [
    { line: 1, cells: ['身份证号', '姓名', '出生日期', '电话', '档次', '备注', '合计', '已缴'] },
    {
      line: 2,
      cells: ['11010519491231002X', '王秀英', '1949-12-31', '13800001111', '1.5', '欧阳娜娜', '3', 'true'],
    },
    { line: 4, cells: ['', 'only B'] },
  ]);
  t.same(leftovers(), [], 'the temp file is gone');
});

t.test('cells as other writers put them: inline runs, phonetics, cached results, date styles', async (t) => {
  const styles = `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
    <numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>
    <cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
    <cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/><xf numFmtId="31"/><xf numFmtId="4"/></cellXfs>
    <dxfs count="1"><dxf><numFmt numFmtId="177" formatCode="yyyy"/></dxf></dxfs>
  </styleSheet>`;
  const sheet = sheetXml(
    `<row r="2">
       <c t="inlineStr"><is><r><t>欧阳</t></r><r><rPr><b/></rPr><t xml:space="preserve">娜娜 </t></r><rPh sb="0" eb="2"><t>ōuyáng</t></rPh></is></c>
       <c><f>1+1</f><v>2</v></c>
       <c t="str"><f>"a"&amp;"b"</f><v>ab</v></c>
       <c t="e"><f>1/0</f><v>#DIV/0!</v></c>
       <c t="b"><v>0</v></c>
       <c r="G2" s="1"><v>45000.75</v></c>
       <c s="2"><v>32874</v></c>
       <c s="3"><v>1</v></c>
       <c s="4"><v>1234.5</v></c>
       <c><v>1.10105194912E+17</v></c>
       <c s="1"/>
       <c t="s"><v>1</v></c>
       <c t="d"><v>2024-10-15T00:00:00</v></c>
     </row>
     <x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:c t="s"><x:v>0</x:v></x:c></x:row>`,
  );
  const shared = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>甲</t></si><si><r><t>乙</t></r><r><t>丙</t></r><rPh><t>yǐ</t></rPh></si></sst>`;
  const rows = await rowsOf(xlsxWorkbook({ sheet, styles, sharedStrings: shared }));
  t.same(rows, [
    {
      line: 2,
      cells: [
        '欧阳娜娜 ',
        '2',
        'ab',
        '',
        'false',
        '',
        '2023-03-15',
        '1990-01-01',
        '1900-01-01',
        '1234.5',
        '1.10105E+17',
        '',
        '乙丙',
        '2024-10-15',
      ],
    },
    { line: 3, cells: ['甲'] },
  ]);
});

t.test('the first worksheet in tab order, found through the workbook’s relationships', async (t) => {
  const file = zipArchive([
    {
      name: 'xl/workbook.xml',
      data: `<workbook xmlns:rel="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="1"/><sheets><sheet name="图" sheetId="3" rel:id="rId9"/><sheet name="名单" sheetId="2" rel:id="rId7"/><sheet name="旧" sheetId="1" rel:id="rId1"/></sheets></workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/名单.xml"/><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet" Target="chartsheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
    },
    { name: 'xl/styles.xml', data: '<styleSheet><cellXfs><xf/><xf numFmtId="14"/></cellXfs></styleSheet>' },
    { name: 'xl/worksheets/sheet1.xml', data: sheetXml(inlineRow(1, ['旧'])) },
    { name: 'xl/worksheets/名单.xml', data: sheetXml('<row r="1"><c s="1"><v>0</v></c></row>') },
  ]);
  t.same(await rowsOf(file), [{ line: 1, cells: ['1904-01-01'] }], 'the list, its dates from 1904');
});

t.test('a file that is no workbook is unreadable, and says why', async (t) => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['a CSV file', Buffer.from('身份证号,姓名\n'), /not a zip archive/],
    ['a zip without a worksheet', zipArchive([{ name: 'word/document.xml', data: '<w/>' }]), /no worksheet/],
    ['a cut-off archive', xlsxWorkbook({ sheet: sheetXml(header) }).subarray(0, 200), /not a zip archive/],
    ['broken XML', xlsxWorkbook({ sheet: sheetXml('<row><c>') }), /not well-formed XML/],
    ['a shared string that is not there', xlsxWorkbook({ sheet: sheetXml('<row><c t="s"><v>3</v></c></row>') }), /A1/],
    ['rows going up', xlsxWorkbook({ sheet: sheetXml('<row r="5"/><row r="2"/>') }), /row 2 comes after row 5/],
    [
      'an entity defined in a DTD',
      xlsxWorkbook({
        sheet: `<!DOCTYPE w [<!ENTITY a "aaaa">]><worksheet><sheetData><row><c t="inlineStr"><is><t>&a;</t></is></c></row></sheetData></worksheet>`,
      }),
      /not well-formed/,
    ],
  ];
  for (const [what, file, message] of cases) {
    const { err } = await refusal(file);
    t.type(err, XlsxUnreadable, what);
    t.match(err.message, message, what);
  }
  // A part that inflates to more than its entry declares: yauzl stops it at the declared size.
  const lying = zipArchive([
    { name: 'xl/worksheets/sheet1.xml', data: sheetXml(inlineRow(1, ['x'.repeat(5000)])), declaredSize: 100 },
  ]);
  const { err } = await refusal(lying, { maxInflatedBytes: 1000 });
  t.type(err, XlsxUnreadable, 'a size that lies low is damage, not a way past the bound');
  t.same(leftovers(), []);
});

t.test('bounds: each stops the reading with the bound it crossed', async (t) => {
  const cell = (text: string) => inlineRow(2, [text]);
  const cases: Array<[string, Buffer, Partial<XlsxLimits>, string, number]> = [
    ['too many entries', xlsxWorkbook({ sheet: sheetXml(header), padding: 40 }), { maxEntries: 20 }, 'maxEntries', 20],
    [
      'a sheet that inflates past the bound',
      xlsxWorkbook({
        sheet: repeatedPart(`<worksheet><sheetData>${header}`, '<row/>', 64 * MiB, '</sheetData></worksheet>'),
      }),
      { maxInflatedBytes: 16 * MiB },
      'maxInflatedBytes',
      16 * MiB,
    ],
    [
      'shared strings larger than their bound',
      xlsxWorkbook({
        sheet: sheetXml(header),
        sharedStrings: repeatedPart('<sst>', '<si><t>王</t></si>', 8 * MiB, '</sst>'),
      }),
      { maxSharedStringsBytes: 4 * MiB },
      'maxSharedStringsBytes',
      4 * MiB,
    ],
    [
      'more shared strings than allowed',
      xlsxWorkbook({ sheet: sheetXml(header), sharedStrings: sharedStringsXml(['a', 'b', 'c']) }),
      { maxSharedStrings: 2 },
      'maxSharedStrings',
      2,
    ],
    [
      'a cell longer than Excel allows',
      xlsxWorkbook({ sheet: sheetXml(header + cell('中'.repeat(EXCEL_MAX_CELL_CHARS + 1))) }),
      {},
      'cellChars',
      EXCEL_MAX_CELL_CHARS,
    ],
    [
      'a shared string longer than Excel allows',
      xlsxWorkbook({
        sheet: sheetXml(header),
        sharedStrings: sharedStringsXml(['x'.repeat(EXCEL_MAX_CELL_CHARS + 1)]),
      }),
      {},
      'cellChars',
      EXCEL_MAX_CELL_CHARS,
    ],
    [
      'a number longer than Excel allows',
      xlsxWorkbook({ sheet: sheetXml(`<row><c><v>${'9'.repeat(EXCEL_MAX_CELL_CHARS + 1)}</v></c></row>`) }),
      {},
      'cellChars',
      EXCEL_MAX_CELL_CHARS,
    ],
    [
      'a row of more cells than Excel has columns',
      xlsxWorkbook({ sheet: sheetXml(`<row>${'<c/>'.repeat(EXCEL_MAX_COLUMNS + 1)}</row>`) }),
      {},
      'rowCells',
      EXCEL_MAX_COLUMNS,
    ],
    [
      'a cell past column XFD',
      xlsxWorkbook({ sheet: sheetXml('<row><c r="XFE1"><v>1</v></c></row>') }),
      {},
      'rowCells',
      EXCEL_MAX_COLUMNS,
    ],
    [
      'a row past the last one Excel has',
      xlsxWorkbook({ sheet: sheetXml('<row r="1048577"/>') }),
      {},
      'rows',
      1_048_576,
    ],
    [
      'a row longer than its bound',
      xlsxWorkbook({ sheet: sheetXml(inlineRow(2, ['a'.repeat(60), 'b'.repeat(60)])) }),
      { maxRowChars: 100 },
      'maxRowChars',
      100,
    ],
    [
      'a run of whitespace the parser would have to hold',
      xlsxWorkbook({
        sheet: repeatedPart(
          '<worksheet><sheetData><row><c><v>',
          ' ',
          4 * MiB,
          '</v></c></row></sheetData></worksheet>',
        ),
      }),
      {},
      'markupRun',
      MAX_MARKUP_RUN,
    ],
    [
      'elements nested without end',
      xlsxWorkbook({ sheet: repeatedPart('<worksheet>', '<a>', MiB, '') }),
      {},
      'depth',
      MAX_DEPTH,
    ],
  ];
  for (const [what, file, limits, bound, limit] of cases) {
    const { err } = await refusal(file, limits);
    t.type(err, XlsxTooLarge, what);
    t.match(err, { bound, limit }, what);
  }
  t.same(leftovers(), [], 'no temp file left behind');
});

t.test('a row past a bound stops the reading there, naming the row', async (t) => {
  const long = 'x'.repeat(EXCEL_MAX_CELL_CHARS + 1);
  const { err, rows } = await refusal(
    xlsxWorkbook({ sheet: sheetXml(header + inlineRow(2, ['甲', '乙']) + inlineRow(7, ['', long])) }),
  );
  t.same(
    rows.map((r) => r.line),
    [1, 2],
  );
  t.match(err, { bound: 'cellChars', line: 7, message: /cell B7/ });
  const exactly = 'x'.repeat(EXCEL_MAX_CELL_CHARS);
  t.same(await rowsOf(xlsxWorkbook({ sheet: sheetXml(inlineRow(1, [exactly])) })), [{ line: 1, cells: [exactly] }]);
});

t.test('a long shared string repeated by cheap references counts each time it is used', async (t) => {
  const text = '长'.repeat(30_000);
  const rows = Array.from({ length: 200 }, (_, i) => `<row r="${i + 1}"><c t="s"><v>0</v></c></row>`).join('');
  const file = xlsxWorkbook({ sheet: sheetXml(rows), sharedStrings: sharedStringsXml([text]) });
  t.ok(file.length < 20_000, 'a small file');
  t.equal((await rowsOf(file)).length, 200, 'read whole within the default bounds');
  const { err } = await refusal(file, { maxInflatedBytes: MiB });
  t.match(err, { bound: 'maxInflatedBytes', limit: MiB, message: /shared text in cell A\d+/ });
});

t.test('a sheet far larger than its file is read to the end when it keeps within the bounds', async (t) => {
  // 16 MiB of XML between the header and the last row Excel has (elements the reader skips), in
  // well under a megabyte stored: the bounds are on what a file inflates to, not on its ratio.
  const last = inlineRow(1_048_576, ['末']);
  const file = xlsxWorkbook({
    sheet: repeatedPart(`<worksheet><sheetData>${header}`, '<x/>', 16 * MiB, `${last}</sheetData></worksheet>`),
  });
  t.ok(file.length < MiB / 4);
  const rows = await rowsOf(file, { maxInflatedBytes: 20 * MiB });
  t.same(
    rows.map((r) => [r.line, r.cells[0]]),
    [
      [1, '身份证号'],
      [1_048_576, '末'],
    ],
  );
});

t.test('the upload’s own error comes out as it is, and the temp file is removed on an early exit', async (t) => {
  const failing = new Readable({
    read() {
      this.destroy(new RangeError('larger than IMPORT_MAX_BYTES'));
    },
  });
  await t.rejects(async () => {
    for await (const _ of readXlsxRows(failing, LIMITS)) {
    }
  }, RangeError);
  const file = xlsxWorkbook({ sheet: sheetXml(header + inlineRow(2, ['甲', '乙'])) });
  for await (const row of readXlsxRows(Readable.from([file]), LIMITS)) {
    t.equal(row.line, 1);
    break;
  }
  t.same(leftovers(), []);
});
