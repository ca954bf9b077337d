import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { detectEncoding } from '@rmi/db';
import { readXlsxRows, type XlsxBound, type XlsxLimits, type XlsxRow, XlsxTooLarge, XlsxUnreadable } from '@rmi/ingest';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { idCells, RecordSplitter } from './record-splitter.js';

/**
 * A file problem that stops the import before any row is looked at (bad header, broken CSV), or a
 * file past one of the import's size bounds (IMPORT_TOO_LARGE, answered 413).
 */
export class FileProblem extends Error {
  constructor(
    message: string,
    readonly errors: Array<{ line?: number; path?: string; message: string }>,
    readonly code: 'IMPORT_FILE_INVALID' | 'IMPORT_TOO_LARGE' = 'IMPORT_FILE_INVALID',
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

/** Counts an upload's bytes as they pass; the stream fails with what `onBytes` throws to refuse it. */
class ByteCounter extends Transform {
  bytes = 0;

  constructor(private readonly onBytes: (n: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    try {
      this.onBytes(this.bytes);
    } catch (err) {
      done(err as Error);
      return;
    }
    done(null, chunk);
  }
}

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
  const counter = new ByteCounter(onBytes);
  const copy = client.query(copyInto(header.length, encoding));
  try {
    await pipeline(stream, counter, splitter, copy);
  } catch (err) {
    throw copyProblem(err, (record) => recordLines[record - 1]) ?? err;
  }
  return { header, encoding, rows: splitter.records, bytes: splitter.bytes };
}

const csvCell = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

// What each bound of the reader is called in a refusal: the setting an admin can raise, or the
// fixed limit it is.
const BOUND_NAMES: Record<XlsxBound, string> = {
  maxEntries: 'IMPORT_XLSX_MAX_ENTRIES',
  maxInflatedBytes: 'IMPORT_XLSX_MAX_INFLATED_BYTES',
  maxSharedStringsBytes: 'IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES',
  maxSharedStrings: 'IMPORT_XLSX_MAX_SHARED_STRINGS',
  maxRowChars: 'IMPORT_XLSX_MAX_ROW_CHARS',
  cellChars: 'Excel’s limit of characters in a cell',
  rowCells: 'Excel’s limit of cells in a row',
  rows: 'Excel’s limit of rows',
  partBytes: 'the limit of a part describing the workbook, in bytes',
  markupRun: 'the limit of one XML text or tag, in characters',
  depth: 'the limit of nested XML elements',
};

const lineOf = (err: XlsxTooLarge | XlsxUnreadable) => (err.line === undefined ? {} : { line: err.line });

function xlsxProblem(err: unknown): unknown {
  if (err instanceof XlsxTooLarge) {
    return new FileProblem(
      `The workbook is too large to read: ${err.message} (${BOUND_NAMES[err.bound]}: ${err.limit}); nothing was imported.`,
      [{ ...lineOf(err), message: `${err.message} (limit ${err.limit})` }],
      'IMPORT_TOO_LARGE',
    );
  }
  if (err instanceof XlsxUnreadable) {
    return new FileProblem(`The file is not a readable XLSX workbook: ${err.message}; nothing was imported.`, [
      { ...lineOf(err), message: err.message },
    ]);
  }
  return err;
}

/** Rows of CSV for COPY, several to a chunk: one write per row would cost more than the row. */
async function* copyLines(
  rows: AsyncIterator<XlsxRow>,
  header: string[],
  idColumn: number | undefined,
  today: string,
  counted: { rows: number },
): AsyncGenerator<string> {
  let batch = '';
  for (let next = await rows.next(); !next.done; next = await rows.next()) {
    const { line, cells: values } = next.value;
    if (values.every((v) => !v.trim())) continue;
    if (values.length > header.length && values.slice(header.length).some((v) => v.trim())) {
      throw new FileProblem(`Line ${line}: more cells than the header; nothing was imported.`, [
        { line, message: 'the row has more cells than the header' },
      ]);
    }
    const id = idColumn === undefined ? ',format' : idCells(values[idColumn] ?? '', today);
    batch += `${line},${id},${header.map((_, i) => csvCell(values[i] ?? '')).join(',')}\n`;
    counted.rows++;
    if (batch.length >= 64 * 1024) {
      yield batch;
      batch = '';
    }
  }
  if (batch) yield batch;
}

/**
 * The first worksheet of an XLSX upload, row by row into the same staging table. The reader
 * (@rmi/ingest) spools the upload and reads it within `limits`; rows go to COPY at COPY's pace.
 */
export async function stageXlsx(
  client: pg.PoolClient,
  body: Readable,
  onBytes: (n: number) => void,
  checkHeader: HeaderCheck,
  today: string,
  limits: XlsxLimits,
): Promise<Staged> {
  let bytes = 0;
  // Pulled by the reader's spooling, so nothing flows (nor fails unheard) before it listens.
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      bytes += chunk.length;
      onBytes(bytes);
      yield chunk;
    }
  }
  const rows = readXlsxRows(Readable.from(counted(), { objectMode: false }), limits);
  try {
    let first = await rows.next();
    while (!first.done && first.value.cells.every((v) => !v.trim())) first = await rows.next();
    if (first.done) throw new FileProblem('The workbook has no header row.', [{ line: 1, message: 'no header row' }]);
    const header = first.value.cells;
    const idColumn = checkHeader(header);
    await client.query(createStaging(header.length));
    const staged = { rows: 0 };
    await pipeline(
      Readable.from(copyLines(rows, header, idColumn, today, staged)),
      client.query(copyInto(header.length, 'UTF8')),
    );
    return { header, encoding: 'UTF8', rows: staged.rows, bytes };
  } catch (err) {
    throw xlsxProblem(err);
  } finally {
    // Ends the reader wherever it stopped, which removes its temp file.
    await rows.return(undefined);
  }
}
