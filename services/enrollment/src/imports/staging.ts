import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { detectEncoding } from '@rmi/db';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { idCells, RecordSplitter } from './record-splitter.js';

/** A file problem that stops the import before any row is looked at (bad header, broken CSV). */
export class FileProblem extends Error {
  constructor(
    message: string,
    readonly errors: Array<{ line?: number; path?: string; message: string }>,
  ) {
    super(message);
    this.name = 'FileProblem';
  }
}

export interface Staged {
  header: string[];
  encoding: 'UTF8' | 'GB18030';
  rows: number;
  bytes: number;
}

const SNIFF_BYTES = 256 * 1024;

/** Reads the head of a stream and returns it with a stream that replays it before the rest. */
async function peek(body: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = body[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    parts.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(parts);
  async function* replay() {
    yield head;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value as Buffer;
    }
  }
  return { head, stream: Readable.from(replay(), { objectMode: false }) };
}

function headerCells(line: Buffer, encoding: 'UTF8' | 'GB18030'): string[] {
  const text = encoding === 'UTF8' ? line.toString('utf8').replace(/^\uFEFF/, '') : iconv.decode(line, 'gb18030');
  const [cells] = parse(text, { relax_quotes: true, relax_column_count: true }) as string[][];
  return cells ?? [];
}

// Every cell as text, after the line and the ID number as the splitter checked it.
const createStaging = (columns: number) =>
  `create temp table import_rows (line integer not null, id text, id_problem text, ${Array.from(
    { length: columns },
    (_, i) => `c${i} text`,
  ).join(', ')})`;
const copyInto = (columns: number, encoding: string) =>
  copyFrom(
    `copy import_rows (line, id, id_problem, ${Array.from({ length: columns }, (_, i) => `c${i}`).join(', ')})
     from stdin with (format csv, encoding '${encoding}')`,
  );

/** Checks the header before a byte is staged; returns the column of the ID number. */
export type HeaderCheck = (header: string[]) => number | undefined;

/** Turns a COPY failure into the line it happened on, in the county clerk's words. */
function copyProblem(err: unknown, lineOfRecord: (record: number) => number | undefined): FileProblem | undefined {
  const e = err as { code?: string; where?: string };
  if (!e.code?.startsWith('22')) return undefined;
  const record = Number(/line (\d+)/.exec(e.where ?? '')?.[1]);
  const line = Number.isFinite(record) ? lineOfRecord(record) : undefined;
  const message =
    e.code === '22P04'
      ? 'the row does not have as many cells as the header'
      : e.code === '22021' || e.code === '22P05'
        ? 'the row is not valid text in the file’s encoding (UTF-8 or GB18030)'
        : 'the row cannot be read';
  return new FileProblem(`Line ${line ?? '?'}: ${message}; nothing was imported.`, [{ line, message }]);
}

/**
 * Streams a CSV upload into the temp table `import_rows(line, c0 … cN)` through COPY, each record
 * with the physical line it starts on. Only the head is held in memory.
 */
export async function stageCsv(
  client: pg.PoolClient,
  body: Readable,
  onBytes: (n: number) => void,
  checkHeader: HeaderCheck,
  today: string,
): Promise<Staged> {
  const { head, stream } = await peek(body, SNIFF_BYTES);
  const wholeFile = head.length < SNIFF_BYTES;
  // Excel on a Chinese Windows saves "CSV" in GBK (GB18030 reads it), "CSV UTF-8" with a BOM.
  const encoding = detectEncoding(head, wholeFile) === 'utf-8' ? 'UTF8' : 'GB18030';
  const firstLineEnd = head.indexOf(0x0a);
  const headerLine = head.subarray(0, firstLineEnd === -1 ? head.length : firstLineEnd);
  const header = headerCells(headerLine, encoding);
  if (header.length === 0 || header.every((c) => !c.trim())) {
    throw new FileProblem('The file has no header row on line 1.', [{ line: 1, message: 'no header row' }]);
  }
  const idColumn = checkHeader(header);
  await client.query(createStaging(header.length));
  const recordLines: number[] = [];
  const splitter = new RecordSplitter({ idColumn, today, recordLines });
  let reported = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      reported += chunk.length;
      onBytes(reported);
      done(null, chunk);
    },
  });
  const copy = client.query(copyInto(header.length, encoding));
  try {
    await pipeline(stream, counter, splitter, copy);
  } catch (err) {
    throw copyProblem(err, (record) => recordLines[record - 1]) ?? err;
  }
  return { header, encoding, rows: splitter.records, bytes: splitter.bytes };
}

const csvCell = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    return '';
  }
  return String(value);
}

/** The first worksheet of an XLSX upload, row by row into the same staging table. */
export async function stageXlsx(
  client: pg.PoolClient,
  body: Readable,
  onBytes: (n: number) => void,
  checkHeader: HeaderCheck,
  today: string,
): Promise<Staged> {
  let bytes = 0;
  const counted = body.pipe(
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        onBytes(bytes);
        done(null, chunk);
      },
    }),
  );
  body.on('error', (err) => counted.destroy(err));
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(counted, {
    sharedStrings: 'cache',
    worksheets: 'emit',
    styles: 'ignore',
    hyperlinks: 'ignore',
  });
  let header: string[] | undefined;
  let rows = 0;
  let idColumn: number | undefined;
  let done: Promise<void> | undefined;
  const lines = new Readable({ read() {} });
  try {
    for await (const worksheet of reader) {
      for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
        const values = (row.values as ExcelJS.CellValue[]).slice(1).map(cellText);
        if (values.every((v) => !v.trim())) continue;
        if (!header) {
          header = values;
          idColumn = checkHeader(header);
          await client.query(createStaging(header.length));
          done = pipeline(lines, client.query(copyInto(header.length, 'UTF8')));
          continue;
        }
        const cells = header.map((_, i) => csvCell(values[i] ?? ''));
        if (values.length > header.length && values.slice(header.length).some((v) => v.trim())) {
          throw new FileProblem(`Line ${row.number}: more cells than the header; nothing was imported.`, [
            { line: row.number, message: 'the row has more cells than the header' },
          ]);
        }
        const id = idColumn === undefined ? ',format' : idCells(values[idColumn] ?? '', today);
        lines.push(`${row.number},${id},${cells.join(',')}\n`);
        rows++;
      }
      break; // the first worksheet only
    }
  } catch (err) {
    lines.destroy();
    if (err instanceof FileProblem) throw err;
    throw new FileProblem('The file is not a readable XLSX workbook; nothing was imported.', [
      { message: 'not a readable XLSX workbook' },
    ]);
  }
  if (!header) throw new FileProblem('The workbook has no header row.', [{ line: 1, message: 'no header row' }]);
  lines.push(null);
  await done;
  return { header, encoding: 'UTF8', rows, bytes };
}
