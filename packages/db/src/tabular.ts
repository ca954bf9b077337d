import { CsvError, type InfoRecord, parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';

// Reading of uploaded tabular files. County staff save CSV from Excel or WPS: "CSV UTF-8" files
// carry a BOM, plain "CSV" on a Chinese Windows is GBK, which GB18030 decodes as a superset.

export type TextEncoding = 'utf-8' | 'gb18030';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UTF8_BOM = [0xef, 0xbb, 0xbf];

const hasBom = (buf: Buffer) => UTF8_BOM.every((b, i) => buf[i] === b);

/**
 * The encoding of a file from its bytes: a BOM or valid UTF-8 means UTF-8, anything else is read
 * as GB18030. `head` may be only the start of a longer file (`complete` false): it is then judged
 * up to its last line break, so a character cut at the end does not count against UTF-8.
 */
export function detectEncoding(head: Buffer, complete = true): TextEncoding {
  if (hasBom(head)) return 'utf-8';
  const end = complete ? head.length : head.lastIndexOf(0x0a) + 1;
  try {
    strictUtf8.decode(head.subarray(0, end > 0 ? end : head.length));
    return 'utf-8';
  } catch {
    return 'gb18030';
  }
}

/** A whole file decoded by the same judgement as detectEncoding, in one pass. */
export function decodeText(buf: Buffer): { text: string; encoding: TextEncoding } {
  const body = hasBom(buf) ? buf.subarray(UTF8_BOM.length) : buf;
  try {
    return { text: strictUtf8.decode(body), encoding: 'utf-8' };
  } catch {
    // iconv-lite rather than TextDecoder('gb18030'): the result must not depend on whether the
    // Node build carries full ICU.
    return { text: iconv.decode(body, 'gb18030'), encoding: 'gb18030' };
  }
}

export interface CsvRow<F extends string> {
  /** Physical line of the row's first character (header = 1), counting skipped empty lines. */
  line: number;
  /** Trimmed cell per canonical field; '' when the column is missing or the row is short. */
  values: Record<F, string>;
}

export interface ParsedCsv<F extends string> {
  rows: CsvRow<F>[];
  /** Canonical fields none of whose aliases is in the header. */
  missingColumns: F[];
  /** Physical line of the header; 0 when the file has no non-empty row. */
  headerLine: number;
}

/** The file is not well-formed CSV (an unclosed quote, say); `line` is where parsing stopped. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'CsvSyntaxError';
  }
}

const normaliseHeader = (cell: string) => cell.trim().toLowerCase();

/**
 * Parses CSV whose first non-empty row is a header; header cells are matched, trimmed and
 * case-insensitively, against each canonical field's aliases (the first matching column wins,
 * unknown columns are ignored). Rows whose cells are all blank are skipped.
 */
export function parseCsv<F extends string>(text: string, aliases: Record<F, readonly string[]>): ParsedCsv<F> {
  const fields = Object.keys(aliases) as F[];
  // With bare LF breaks csv-parse counts exactly one line per break, quoted or not; CR and CRLF
  // would be counted twice.
  const records = parseRecords(text.replace(/\r\n?/g, '\n'));
  const firstRecord = records.findIndex((r) => !isBlank(r.record));
  if (firstRecord === -1) return { rows: [], missingColumns: fields, headerLine: 0 };
  const { record: headerCells, info: headerInfo } = records[firstRecord]!;
  const header = headerCells.map(normaliseHeader);

  const columnOf = new Map<F, number>();
  for (const field of fields) {
    const wanted = new Set(aliases[field].map(normaliseHeader));
    const index = header.findIndex((cell) => wanted.has(cell));
    if (index !== -1) columnOf.set(field, index);
  }

  const rows: CsvRow<F>[] = [];
  for (const { record, info } of records.slice(firstRecord + 1)) {
    if (isBlank(record)) continue;
    const values = {} as Record<F, string>;
    for (const field of fields) {
      const index = columnOf.get(field);
      values[field] = index === undefined ? '' : (record[index] ?? '').trim();
    }
    rows.push({ line: firstLine(record, info), values });
  }
  return {
    rows,
    missingColumns: fields.filter((f) => !columnOf.has(f)),
    headerLine: firstLine(headerCells, headerInfo),
  };
}

function parseRecords(text: string): Array<{ record: string[]; info: InfoRecord }> {
  try {
    // With `info` each record comes wrapped with its position; the typings do not model that.
    return parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      // A stray quote inside a hand-typed name is kept as text instead of failing the file.
      relax_quotes: true,
      skip_empty_lines: true,
    }) as unknown as Array<{ record: string[]; info: InfoRecord }>;
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines ?? 1;
      throw new CsvSyntaxError(line, err.message, { cause: err });
    }
    throw err;
  }
}

const isBlank = (record: string[]) => record.every((cell) => cell.trim() === '');

/** info.lines is the record's last line; the breaks inside its quoted fields move the start back. */
function firstLine(record: string[], info: InfoRecord): number {
  let breaks = 0;
  for (const cell of record) {
    for (let i = cell.indexOf('\n'); i !== -1; i = cell.indexOf('\n', i + 1)) breaks++;
  }
  return info.lines - breaks;
}
