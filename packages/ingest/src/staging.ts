import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CsvSyntaxError, csvRecords } from './csv-table.js';
import {
  type FoundHeader,
  findHeader,
  type HeaderMatcher,
  type HeaderRow,
  isBlankRow,
  MAX_TITLE_ROWS,
} from './header-matcher.js';
import { ndjsonCells, readNdjson } from './ndjson-reader.js';
import { csvCell, type DerivedColumns, RaggedRecord, RecordSplitter } from './record-splitter.js';
import { FileProblem } from './row-errors.js';
import { type CopyEncoding, copyEncodingOf, decodeAs, detectEncoding } from './text-encoding.js';
import { type XlsxBound, type XlsxLimits, XlsxTooLarge, XlsxUnreadable } from './xlsx-limits.js';
import { readXlsxRows } from './xlsx-reader.js';
import type { XlsxRow } from './xlsx-sheet.js';

// An upload streamed into a temp staging table through COPY, whatever its format: one row per
// record, `line` (the physical line it starts on, for every message about it), the derived
// columns, then each cell of the file as text in the file's column order (c0 … cN). The upload is
// never held whole; set-based SQL takes it from there.

export type UploadFormat = 'csv' | 'xlsx' | 'ndjson';

export interface StagedHeader<F extends string> extends FoundHeader<F> {}

export interface StageOptions<F extends string> {
  format: UploadFormat;
  matcher: HeaderMatcher<F>;
  /** Fields the header must name; the file is refused (IMPORT_FILE_INVALID) before a row is staged. */
  required?: readonly F[];
  /** Judges the header before any row is staged (throw a FileProblem to refuse the file). */
  checkHeader?: (header: StagedHeader<F>) => void;
  /** Columns computed from each record's cells, staged in front of them. */
  derive?: (header: StagedHeader<F>) => DerivedColumns | undefined;
  /** Told the bytes received so far; what it throws refuses the upload (a size limit, say). */
  onBytes?: (bytes: number) => void;
  /** Required for XLSX: how far a workbook may take the reader. */
  xlsx?: XlsxLimits;
  /** How an XLSX refusal names each bound (a setting an admin can raise, say). */
  boundNames?: Partial<Record<XlsxBound, string>>;
  /** The temp table (default `ingest_rows`); it lives as long as the session or until dropped. */
  table?: string;
}

export interface Staged<F extends string> {
  table: string;
  header: StagedHeader<F>;
  /** Staging column of each recognised field (`c3`). */
  column(field: F): string | undefined;
  encoding: CopyEncoding;
  rows: number;
  bytes: number;
}

const SNIFF_BYTES = 256 * 1024;
/** CSV lines to COPY per write from XLSX and NDJSON rows: one write per row would cost more than the row. */
const BATCH_CHARS = 64 * 1024;

/**
 * Streams an upload into a temp table through COPY; see the comment at the top of this file.
 * Refusals of the file come out as FileProblem (with the line where one is known); an error of
 * `body` itself (a dropped connection) as it is.
 */
export async function stageUpload<F extends string>(
  client: pg.PoolClient,
  body: Readable,
  options: StageOptions<F>,
): Promise<Staged<F>> {
  let bytes = 0;
  // Pulled by the reader, so nothing flows (nor fails unheard) before it listens; what onBytes
  // throws ends the upload there.
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      bytes += (chunk as Buffer).length;
      options.onBytes?.(bytes);
      yield chunk as Buffer;
    }
  }
  const upload = Readable.from(counted(), { objectMode: false });
  const table = options.table ?? 'ingest_rows';
  const staged =
    options.format === 'csv'
      ? await stageCsv(client, upload, options, table)
      : options.format === 'xlsx'
        ? await stageXlsx(client, upload, options, table)
        : await stageRows(client, ndjsonRows(upload, options.matcher), options, table, true);
  const { header } = staged;
  return {
    ...staged,
    table,
    bytes,
    column: (field) => {
      const index = header.match.columns[field];
      return index === undefined ? undefined : `c${index}`;
    },
  };
}

/** The header judged: required fields named, no field named twice, then the caller's own check. */
function acceptHeader<F extends string>(header: StagedHeader<F> | undefined, options: StageOptions<F>) {
  if (!header) {
    throw new FileProblem('The file has no header row.', [{ line: 1, message: 'no header row' }]);
  }
  const { missing, duplicated } = header.match;
  if (missing.length || duplicated.length) {
    throw new FileProblem('The header row does not name the columns needed; nothing was imported.', [
      ...missing.map((f) => ({ line: header.line, path: f, message: `no ${f} column` })),
      ...duplicated.map((f) => ({ line: header.line, path: f, message: `more than one ${f} column` })),
    ]);
  }
  options.checkHeader?.(header);
  return header;
}

const createTable = (table: string, derived: readonly string[], columns: number) =>
  `create temp table ${table} (line integer not null${derived.map((d) => `, ${d} text`).join('')}${Array.from(
    { length: columns },
    (_, i) => `, c${i} text`,
  ).join('')})`;

const copyInto = (table: string, derived: readonly string[], columns: number, encoding: CopyEncoding) =>
  copyFrom(
    `copy ${table} (line${derived.map((d) => `, ${d}`).join('')}${Array.from({ length: columns }, (_, i) => `, c${i}`).join('')})
     from stdin with (format csv, encoding '${encoding}')`,
  );

/** Reads the head of a stream and returns it with a stream that replays it before the rest. */
async function peek(body: Readable, bytes: number): Promise<{ head: Buffer; complete: boolean; stream: Readable }> {
  const iterator = body[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let length = 0;
  let complete = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      complete = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    parts.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(parts);
  async function* replay() {
    yield head;
    if (complete) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value as Buffer;
    }
  }
  return { head, complete, stream: Readable.from(replay(), { objectMode: false }) };
}

/** The first records of a CSV head, for finding its header; a head cut inside a quote reads up to its last full line. */
function headRecords(text: string): HeaderRow[] {
  const limit = MAX_TITLE_ROWS * 2 + 1;
  try {
    return csvRecords(text, limit);
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    const cut = text.lastIndexOf('\n', text.lastIndexOf('\n') - 1);
    if (cut <= 0) {
      throw new FileProblem(`Line ${err.line}: not well-formed CSV; nothing was imported.`, [
        { line: err.line, message: err.message },
      ]);
    }
    return headRecords(text.slice(0, cut + 1));
  }
}

/** Turns a COPY failure into the line it happened on, in the county clerk's words. */
function copyProblem(err: unknown, lineOfRecord: (record: number) => number | undefined): FileProblem | undefined {
  const e = err as { code?: string; where?: string };
  if (!e.code?.startsWith('22')) return undefined;
  const record = Number(/line (\d+)/.exec(e.where ?? '')?.[1]);
  const line = Number.isFinite(record) ? lineOfRecord(record) : undefined;
  const message =
    e.code === '22P04'
      ? 'the row cannot be split into the header’s cells (a quote left open?)'
      : e.code === '22021' || e.code === '22P05'
        ? 'the row is not valid text in the file’s encoding (UTF-8 or GB18030)'
        : 'the row cannot be read';
  return new FileProblem(`Line ${line ?? '?'}: ${message}; nothing was imported.`, [{ line, message }]);
}

const raggedProblem = (line: number) =>
  new FileProblem(`Line ${line}: more cells than the header; nothing was imported.`, [
    { line, message: 'the row has more cells than the header' },
  ]);

async function stageCsv<F extends string>(
  client: pg.PoolClient,
  body: Readable,
  options: StageOptions<F>,
  table: string,
): Promise<Omit<Staged<F>, 'table' | 'bytes' | 'column'>> {
  const { head, complete, stream } = await peek(body, SNIFF_BYTES);
  // Excel on a Chinese Windows saves "CSV" in GBK (GB18030 reads it), "CSV UTF-8" with a BOM.
  const encoding = detectEncoding(head, complete);
  const lastBreak = head.lastIndexOf(0x0a);
  const text = decodeAs(complete || lastBreak === -1 ? head : head.subarray(0, lastBreak + 1), encoding);
  const header = acceptHeader(findHeader(headRecords(text), options.matcher, options.required), options);
  const derive = options.derive?.(header);
  const derived = derive?.names ?? [];
  const columns = header.cells.length;
  await client.query(createTable(table, derived, columns));
  const recordLines: number[] = [];
  const splitter = new RecordSplitter({
    encoding,
    headerLine: header.line,
    columns,
    ...(derive ? { derive } : {}),
    recordLines,
  });
  try {
    await pipeline(stream, splitter, client.query(copyInto(table, derived, columns, copyEncodingOf(encoding))));
  } catch (err) {
    if (err instanceof RaggedRecord) throw raggedProblem(err.line);
    throw copyProblem(err, (record) => recordLines[record - 1]) ?? err;
  }
  return { header, encoding: copyEncodingOf(encoding), rows: splitter.records };
}

/** What an XLSX refusal says: the bound's name and value. */
function xlsxProblem(err: unknown, names: Partial<Record<XlsxBound, string>>): unknown {
  const lineOf = (e: XlsxTooLarge | XlsxUnreadable) => (e.line === undefined ? {} : { line: e.line });
  if (err instanceof XlsxTooLarge) {
    return new FileProblem(
      `The workbook is too large to read: ${err.message} (${names[err.bound] ?? err.bound}: ${err.limit}); nothing was imported.`,
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

async function stageXlsx<F extends string>(
  client: pg.PoolClient,
  body: Readable,
  options: StageOptions<F>,
  table: string,
): Promise<Omit<Staged<F>, 'table' | 'bytes' | 'column'>> {
  if (!options.xlsx) throw new Error('stageUpload: XLSX needs options.xlsx (the reader’s limits)');
  const rows = readXlsxRows(body, options.xlsx);
  try {
    return await stageRows(client, rows, options, table, false);
  } catch (err) {
    throw xlsxProblem(err, options.boundNames ?? {});
  } finally {
    // Ends the reader wherever it stopped, which removes its temp file.
    await rows.return(undefined);
  }
}

/** NDJSON objects as rows under a header of the matcher's fields, in their order. */
async function* ndjsonRows<F extends string>(body: Readable, matcher: HeaderMatcher<F>): AsyncGenerator<XlsxRow> {
  const cache = new Map<string, F | null>();
  for await (const { line, value } of readNdjson(body)) {
    yield { line, cells: ndjsonCells(matcher, value, cache) };
  }
}

/**
 * Rows already split into cells (XLSX, NDJSON) into the staging table: the header looked for in
 * the first rows, then every row as a CSV line for COPY, at COPY's pace.
 */
async function stageRows<F extends string>(
  client: pg.PoolClient,
  source: AsyncGenerator<XlsxRow>,
  options: StageOptions<F>,
  table: string,
  fieldsAsHeader: boolean,
): Promise<Omit<Staged<F>, 'table' | 'bytes' | 'column'>> {
  const { matcher } = options;
  const head: XlsxRow[] = [];
  let found: StagedHeader<F> | undefined;
  if (fieldsAsHeader) {
    // Keys name their fields on every line: the header is the list of fields.
    const cells = [...matcher.fields];
    found = { index: -1, line: 0, cells, match: matcher.match(cells, options.required) };
  } else {
    let nonBlank = 0;
    while (nonBlank <= MAX_TITLE_ROWS) {
      const next = await source.next();
      if (next.done) break;
      head.push(next.value);
      if (!isBlankRow(next.value.cells)) nonBlank++;
    }
    found = findHeader(head, matcher, options.required);
  }
  const header = acceptHeader(found, options);
  const derive = options.derive?.(header);
  const derived = derive?.names ?? [];
  const columns = header.cells.length;
  await client.query(createTable(table, derived, columns));
  const counted = { rows: 0 };
  const lines = copyLines(head.slice(header.index + 1), source, columns, derive, counted);
  await pipeline(Readable.from(lines), client.query(copyInto(table, derived, columns, 'UTF8')));
  return { header, encoding: 'UTF8', rows: counted.rows };
}

async function* copyLines(
  buffered: XlsxRow[],
  rest: AsyncGenerator<XlsxRow>,
  columns: number,
  derive: DerivedColumns | undefined,
  counted: { rows: number },
): AsyncGenerator<string> {
  let batch = '';
  const line = ({ line, cells }: XlsxRow) => {
    if (cells.length > columns && cells.slice(columns).some((v) => v.trim())) throw raggedProblem(line);
    const derived = derive ? derive.compute((i) => (i === undefined ? '' : (cells[i] ?? '').trim())) : [];
    const values = Array.from({ length: columns }, (_, i) => csvCell(cells[i] ?? ''));
    return `${[line, ...derived.map(csvCell), ...values].join(',')}\n`;
  };
  async function* all() {
    yield* buffered;
    yield* rest;
  }
  for await (const row of all()) {
    if (isBlankRow(row.cells)) continue;
    batch += line(row);
    counted.rows++;
    if (batch.length >= BATCH_CHARS) {
      yield batch;
      batch = '';
    }
  }
  if (batch) yield batch;
}
