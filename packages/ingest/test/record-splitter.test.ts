import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import t, { type Test } from 'tap';
import { cellAt, type DerivedColumns, RaggedRecord, RecordSplitter, type SplitterOptions } from '../src/index.js';

// What COPY receives from an upload: one line per data record, prefixed with the physical line the
// record starts on, whatever the chunks the bytes arrive in.

async function split(
  bytes: Buffer,
  options: Partial<SplitterOptions> & { columns: number },
  chunk = bytes.length,
): Promise<{ out: Buffer; lines: number[]; splitter: RecordSplitter }> {
  const lines: number[] = [];
  const splitter = new RecordSplitter({ encoding: 'utf-8', headerLine: 1, recordLines: lines, ...options });
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += Math.max(chunk, 1)) parts.push(bytes.subarray(i, i + chunk));
  const out: Buffer[] = [];
  await pipeline(Readable.from(parts, { objectMode: false }), splitter, async (source) => {
    for await (const data of source) out.push(data as Buffer);
  });
  return { out: Buffer.concat(out), lines, splitter };
}

/** The same bytes cut into chunks of every size up to the file's give the same output. */
async function splitAnyhow(t: Test, bytes: Buffer, options: Partial<SplitterOptions> & { columns: number }) {
  const whole = await split(bytes, options);
  for (let size = 1; size < Math.min(bytes.length, 40); size++) {
    const cut = await split(bytes, options, size);
    if (!cut.out.equals(whole.out)) {
      t.fail(`chunks of ${size} bytes give another output`);
      break;
    }
  }
  return whole;
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

t.test('a line break inside a quoted cell stays in its record; lines count from the record’s start', async (t) => {
  const csv = utf8('身份证号,姓名,备注\n1,"王\n二",a\n2,李,"x\n\ny"\n3,张,z\n');
  const { out, lines, splitter } = await splitAnyhow(t, csv, { columns: 3 });
  t.equal(out.toString(), '2,1,"王\n二",a\n4,2,李,"x\n\ny"\n7,3,张,z\n');
  t.same(lines, [2, 4, 7]);
  t.equal(splitter.records, 3);
  t.equal(splitter.bytes, csv.length);
});

t.test('CRLF becomes LF; a CR inside quotes is the cell’s; a BOM stays with the header it precedes', async (t) => {
  const csv = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8('a,b\r\n1,"x\r\ny"\r\n2,z\r\n')]);
  const { out, lines } = await splitAnyhow(t, csv, { columns: 2 });
  t.equal(out.toString(), '2,1,"x\r\ny"\n4,2,z\n');
  t.same(lines, [2, 4]);
});

t.test('blank lines and rows of empty cells are dropped, their lines still counted', async (t) => {
  const csv = utf8('a,b,c\n\n1,2,3\n,,\n  ,"",\r\n\n4,5,6');
  const { out, lines } = await splitAnyhow(t, csv, { columns: 3 });
  t.equal(out.toString(), '3,1,2,3\n7,4,5,6\n', 'the last record needs no line break');
  t.same(lines, [3, 7]);
});

t.test('title rows above the header are not staged', async (t) => {
  const csv = utf8('栗子乡2026年参保登记表,,\n制表日期：2026-09-01,,\n身份证号,姓名,村代码\n1,王,500230209001\n');
  const { out } = await splitAnyhow(t, csv, { columns: 3, headerLine: 3 });
  t.equal(out.toString(), '4,1,王,500230209001\n');
});

t.test('ragged rows: short ones padded, trailing empty cells cut, more cells with text refused', async (t) => {
  const { out } = await splitAnyhow(t, utf8('a,b,c,d\n1\n1,2\n1,2,3,4,,,\n1,"2,3",4,5, ,""\n'), { columns: 4 });
  t.equal(out.toString(), '2,1,,,\n3,1,2,,\n4,1,2,3,4\n5,1,"2,3",4,5\n');

  await t.rejects(split(utf8('a,b\n1,2\n\n3,4,extra\n'), { columns: 2 }), new RaggedRecord(4));
  await t.rejects(split(utf8('a,b\n1,2\n3,4,"x"'), { columns: 2 }), { name: 'RaggedRecord', line: 3 });
});

t.test('derived columns come first, computed from the record’s cells, quoted when they need it', async (t) => {
  const derive: DerivedColumns = {
    names: ['upper', 'note'],
    compute: (cell) => [cell(1).toUpperCase(), cell(0) === '2' ? 'a, "quoted" note' : cell(undefined)],
  };
  const { out } = await splitAnyhow(t, utf8('n,id\n1, 11010519491231002x \n2,"ab"\n'), { columns: 2, derive });
  t.equal(out.toString(), '2,11010519491231002X,,1, 11010519491231002x \n3,AB,"a, ""quoted"" note",2,"ab"\n');
});

t.test('GB18030: cells decoded and derived text encoded as the file is', async (t) => {
  const derive: DerivedColumns = { names: ['name'], compute: (cell) => [`${cell(1)}!`] };
  const csv = iconv.encode('编号,姓名\r\n1,欧阳娜娜\r\n2,𠀀\r\n', 'gb18030');
  const { out } = await splitAnyhow(t, csv, { columns: 2, derive, encoding: 'gb18030' });
  t.equal(iconv.decode(out, 'gb18030'), '2,欧阳娜娜!,1,欧阳娜娜\n3,𠀀!,2,𠀀\n');
});

t.test('cellAt: quotes removed, doubled quotes undone, a missing cell empty', async (t) => {
  const record = utf8('a,"b,""c""",,"d\ne"');
  t.equal(cellAt(record, 0).toString(), 'a');
  t.equal(cellAt(record, 1).toString(), 'b,"c"');
  t.equal(cellAt(record, 2).toString(), '');
  t.equal(cellAt(record, 3).toString(), 'd\ne');
  t.equal(cellAt(record, 4).toString(), '');
});
