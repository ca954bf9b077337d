import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import t from 'tap';
import { createCsvWriter, spreadsheetCell } from '../src/csv-writer.js';

t.test('text that a spreadsheet would run as a formula is written as text', async (t) => {
  for (const cell of ['=1+1', '+86 138', '-2+3', '@SUM(A1)', '\t=cmd', '\r=cmd', '=HYPERLINK("http://x","点我")']) {
    t.equal(spreadsheetCell(cell), `'${cell}`, JSON.stringify(cell));
  }
  for (const cell of ['张三', '500230198001010011', '13800001111', ' =not first', '', '1=1']) {
    t.equal(spreadsheetCell(cell), cell, JSON.stringify(cell));
  }
  t.equal(spreadsheetCell(-5), '-5', 'a number stays a number');
  t.equal(spreadsheetCell(null), '');
});

t.test('the CSV writer neutralises every cell, the header included, and starts with a BOM', async (t) => {
  const writer = createCsvWriter({ columns: ['行号 line', '=evil header'] });
  const rows = Readable.from([
    [2, '=cmd|" /C calc"!A0'],
    [3, 'plain'],
  ]);
  // Bytes, not text(): a decoder would swallow the BOM this test looks for.
  const csv = (await buffer(rows.pipe(writer))).toString('utf8');
  t.ok(csv.startsWith('\uFEFF'), 'BOM for Excel');
  t.same(csv.slice(1).split('\n').filter(Boolean), ["行号 line,'=evil header", `2,"'=cmd|"" /C calc""!A0"`, '3,plain']);
});
