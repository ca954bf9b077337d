import { CsvError, type InfoRecord, parse } from 'csv-parse/sync';
import {
  type ColumnAliases,
  createHeaderMatcher,
  findHeader,
  type HeaderMatcher,
  isBlankRow,
  MAX_TITLE_ROWS,
} from './header-matcher.js';
import type { RowError } from './row-errors.js';
import { decodeText, type TextEncoding } from './text-encoding.js';

// Small files read whole (regions, targets: a county's villages are a few thousand rows). Large
// uploads stream through the record splitter into COPY instead (staging.ts).

export interface CsvRow<F extends string> {
  /** Physical line of the row's first character (line 1 is the file's first), counting empty lines. */
  line: number;
  /** Trimmed cell per field; '' when the column is missing or the row is short. */
  values: Record<F, string>;
}

export interface ParsedCsv<F extends string> {
  rows: CsvRow<F>[];
  /** Fields none of whose aliases is in the header. */
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

interface PhysicalRecord {
  line: number;
  cells: string[];
}

/**
 * Records of CSV text with the physical line each starts on. Line breaks are made LF first: with
 * bare LF breaks csv-parse counts exactly one line per break, quoted or not (CR and CRLF would be
 * counted twice). `limit` stops after that many records, for a look at a file's head.
 */
export function csvRecords(text: string, limit?: number): PhysicalRecord[] {
  let parsed: Array<{ record: string[]; info: InfoRecord }>;
  try {
    // With `info` each record comes wrapped with its position; the typings do not model that.
    parsed = parse(text.replace(/\r\n?/g, '\n'), {
      bom: true,
      info: true,
      relax_column_count: true,
      // A stray quote inside a hand-typed name is kept as text instead of failing the file.
      relax_quotes: true,
      skip_empty_lines: true,
      ...(limit === undefined ? {} : { to: limit }),
    }) as unknown as Array<{ record: string[]; info: InfoRecord }>;
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines ?? 1;
      throw new CsvSyntaxError(line, err.message, { cause: err });
    }
    throw err;
  }
  return parsed.map(({ record, info }) => ({ line: firstLine(record, info), cells: record }));
}

/** info.lines is the record's last line; the breaks inside its quoted fields move the start back. */
function firstLine(record: string[], info: InfoRecord): number {
  let breaks = 0;
  for (const cell of record) {
    for (let i = cell.indexOf('\n'); i !== -1; i = cell.indexOf('\n', i + 1)) breaks++;
  }
  return info.lines - breaks;
}

const asMatcher = <F extends string>(columns: ColumnAliases<F> | HeaderMatcher<F>): HeaderMatcher<F> =>
  'match' in columns && typeof columns.match === 'function'
    ? (columns as HeaderMatcher<F>)
    : createHeaderMatcher(columns as ColumnAliases<F>);

/**
 * Parses CSV with a header, found below any title rows (see findHeader); header cells are matched
 * to fields by the one header matcher (the first matching column wins, unknown columns are
 * ignored). Rows whose cells are all blank are skipped. `required` (every field by default) is
 * what the header must name to be taken for the header.
 */
export function parseCsv<F extends string>(
  text: string,
  columns: ColumnAliases<F> | HeaderMatcher<F>,
  required?: readonly NoInfer<F>[],
): ParsedCsv<F> {
  const matcher = asMatcher(columns);
  const records = csvRecords(text);
  const header = findHeader(records.slice(0, MAX_TITLE_ROWS * 2 + 1), matcher, required ?? matcher.fields);
  if (!header) return { rows: [], missingColumns: [...matcher.fields], headerLine: 0 };
  const { columns: columnOf } = header.match;

  const rows: CsvRow<F>[] = [];
  for (const { line, cells } of records.slice(header.index + 1)) {
    if (isBlankRow(cells)) continue;
    const values = {} as Record<F, string>;
    for (const field of matcher.fields) {
      const index = columnOf[field];
      values[field] = index === undefined ? '' : (cells[index] ?? '').trim();
    }
    rows.push({ line, values });
  }
  return {
    rows,
    missingColumns: matcher.fields.filter((f) => columnOf[f] === undefined),
    headerLine: header.line,
  };
}

export interface CsvTable<F extends string> {
  encoding: TextEncoding;
  /** Line of the header (1 when the file has none). */
  headerLine: number;
  rows: CsvRow<F>[];
  /**
   * Why the file cannot be read (codes MALFORMED_CSV, MISSING_COLUMN with the field as column,
   * NO_ROWS); `rows` is empty when there are any.
   */
  errors: RowError[];
}

/**
 * A small uploaded CSV file (UTF-8 with or without BOM, or GB18030) read whole: decoded, its
 * header found and matched, every file-level problem listed. Checking the cells is the caller's.
 */
export function readCsvTable<F extends string>(
  buf: Buffer,
  columns: ColumnAliases<F> | HeaderMatcher<F>,
  required?: readonly NoInfer<F>[],
): CsvTable<F> {
  const matcher = asMatcher(columns);
  const needed = required ?? matcher.fields;
  const { text, encoding } = decodeText(buf);
  let parsed: ParsedCsv<F>;
  try {
    parsed = parseCsv(text, matcher, needed);
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    const errors = [{ line: err.line, column: 'file', code: 'MALFORMED_CSV', message: err.message }];
    return { encoding, headerLine: 1, rows: [], errors };
  }
  const headerLine = Math.max(parsed.headerLine, 1);
  const missing = parsed.missingColumns.filter((f) => needed.includes(f));
  if (missing.length > 0) {
    const errors = missing.map((field) => ({
      line: headerLine,
      column: field,
      code: 'MISSING_COLUMN',
      message: `no column for ${field}; the header may name it ${matcher.aliasesOf(field).join(', ')}`,
    }));
    return { encoding, headerLine, rows: [], errors };
  }
  if (parsed.rows.length === 0) {
    const errors = [{ line: headerLine, column: 'file', code: 'NO_ROWS', message: 'the file has no rows' }];
    return { encoding, headerLine, rows: [], errors };
  }
  return { encoding, headerLine, rows: parsed.rows, errors: [] };
}
