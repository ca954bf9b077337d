import { PassThrough, Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import ExcelJS from 'exceljs';
import t from 'tap';
import { createXlsxWriter, readXlsxRows, writeXlsx, type XlsxRow } from '../src/index.js';
import { readWorkbook } from '../src/testing.js';

/** Everything written to a stream, once it ends. */
function collect(): { stream: PassThrough; bytes: Promise<Buffer> } {
  const stream = new PassThrough();
  const bytes = (async () => {
    const parts: Buffer[] = [];
    for await (const chunk of stream) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  })();
  return { stream, bytes };
}

const readBack = (file: Buffer) => readWorkbook(file, { includeEmpty: true });

t.test('a sheet with Chinese headers reads back in exceljs with its values and types', async (t) => {
  const { stream, bytes } = collect();
  await writeXlsx(
    stream,
    {
      sheetName: '变动明细',
      columns: [{ header: '身份证号码', type: 'text' }, '姓名', '身份类别', { header: '缴费金额(元)', type: 'number' }],
    },
    [
      ['11010519491231002X', '王秀英', '低保对象', 360],
      ['500230200001010017', '李=强', '特困人员', 0],
      ['500230200001010033', null, undefined, 12.5],
    ],
  );
  const file = await bytes;
  t.equal(file.subarray(0, 2).toString(), 'PK', 'a zip archive');
  const { name, rows, types } = await readBack(file);
  t.equal(name, '变动明细');
  t.same(rows, [
    ['身份证号码', '姓名', '身份类别', '缴费金额(元)'],
    ['11010519491231002X', '王秀英', '低保对象', 360],
    ['500230200001010017', '李=强', '特困人员', 0],
    ['500230200001010033', null, null, 12.5],
  ]);
  const { String: text, Number: number } = ExcelJS.ValueType;
  t.same(types[1], [text, text, text, number], 'ID numbers are text, amounts numbers');
});

t.test('an ID number given as a number is still written as text in a text column', async (t) => {
  const { stream, bytes } = collect();
  await writeXlsx(stream, { columns: [{ header: '身份证号码', type: 'text' }, '数量'] }, [[500230200001010, 7]]);
  const { rows, types, sheet } = await readBack(await bytes);
  t.same(rows[1], ['500230200001010', 7]);
  t.equal(types[1]?.[0], ExcelJS.ValueType.String);
  t.equal(sheet.getCell('A2').numFmt, '@', 'the cell stays text when edited');
});

t.test('text that would start a formula is neutralised as in CSV downloads', async (t) => {
  const { stream, bytes } = collect();
  await writeXlsx(stream, { columns: ['=HYPERLINK("x")', 'b'] }, [
    ['=1+1', '+86'],
    ['-2', '@SUM(A1)'],
    [-2, 'plain'],
  ]);
  const { rows, types } = await readBack(await bytes);
  t.same(rows, [
    [`'=HYPERLINK("x")`, 'b'],
    [`'=1+1`, `'+86`],
    [`'-2`, `'@SUM(A1)`],
    [-2, 'plain'],
  ]);
  t.notOk(types.flat().includes(ExcelJS.ValueType.Formula), 'no cell is a formula');
});

t.test('our own reader reads the file too, header first', async (t) => {
  const { stream, bytes } = collect();
  await writeXlsx(stream, { columns: ['乡镇', '村'] }, [['栗子乡', '南江村村民委员会']]);
  const rows: XlsxRow[] = [];
  const limits = {
    maxEntries: 100,
    maxInflatedBytes: 1 << 26,
    maxSharedStringsBytes: 1 << 20,
    maxSharedStrings: 1000,
    maxRowChars: 1 << 16,
  };
  for await (const row of readXlsxRows(Readable.from([await bytes]), limits)) rows.push(row);
  t.same(rows, [
    { line: 1, cells: ['乡镇', '村'] },
    { line: 2, cells: ['栗子乡', '南江村村民委员会'] },
  ]);
});

t.test('the writer waits for deflate and for the reader: 100,000 rows stay bounded in memory', async (t) => {
  let received = 0;
  const sink = (delayMs: number) =>
    new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        setTimeout(done, delayMs);
      },
    });
  // What piles up when the writer outruns the download is buffers (sheet XML waiting for deflate,
  // zip bytes waiting for the reader), which live outside the JS heap.
  // Collected first, so only what is still held counts (twice: a buffer's memory is released
  // after the collection that found it unreachable).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const buffers = () => {
    gc();
    gc();
    return process.memoryUsage().arrayBuffers;
  };
  // A reader as fast as the writer (deflate is the bottleneck), then one slower than both.
  for (const delayMs of [0, 1]) {
    received = 0;
    const output = sink(delayMs);
    const before = buffers();
    let peak = before;
    const writer = createXlsxWriter(output, { columns: [{ header: '身份证号码', type: 'text' }, '姓名', '村'] });
    for (let i = 0; i < 100_000; i++) {
      await writer.addRow([`5002302000010${String(i).padStart(5, '0')}`, `姓名${i}`, '南江村村民委员会']);
      if (i % 20_000 === 0) peak = Math.max(peak, buffers());
    }
    await writer.finish();
    await new Promise<void>((resolve) => (output.writableFinished ? resolve() : output.once('finish', resolve)));
    t.ok(received > 1_600_000, `the whole file was written (${received} bytes)`);
    // The sheet's XML alone is about 13 MB, three times the bound.
    const grown = (peak - before) / 1024 / 1024;
    t.ok(grown < 4, `reader taking ${delayMs} ms a chunk: buffers grew by ${grown.toFixed(1)} MB at most`);
  }
});

t.test('a download cut short ends the writer with an error instead of waiting for ever', async (t) => {
  const stream = new PassThrough({ highWaterMark: 1024 });
  const writer = createXlsxWriter(stream, { columns: ['a'] });
  setTimeout(() => stream.destroy(new Error('client went away')), 20);
  await t.rejects(
    (async () => {
      for (let i = 0; i < 1_000_000; i++) await writer.addRow([`row ${i}`]);
    })(),
  );
  await sleep(5);
});
