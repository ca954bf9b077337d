import { type Stringifier, stringify } from 'csv-stringify';

// A cell a spreadsheet would read as a formula: `=`, `+`, `-`, `@`, or a tab or carriage return
// in front of one (OWASP, "CSV Injection"). Opened in Excel or WPS, such a cell runs.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * The one rule for every cell the project writes into a file a person opens (CSV now, XLSX
 * exports later): text that would start a formula is prefixed with `'`, which spreadsheets show
 * as text and hide. Numbers are written as numbers; only text is touched.
 */
export function spreadsheetCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  if (typeof value === 'number' || typeof value === 'bigint') return text;
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export interface CsvWriterOptions {
  /** Header cells, written first (neutralised like any cell: they may come from an upload). */
  columns: readonly string[];
  /** A UTF-8 byte-order mark, so Excel on a Chinese Windows reads the file as UTF-8 (default on). */
  bom?: boolean;
}

/**
 * A streaming CSV writer (csv-stringify) whose every cell goes through `spreadsheetCell`: write
 * arrays of cells in column order, pipe it to the response. Nothing is held whole.
 */
export function createCsvWriter(options: CsvWriterOptions): Stringifier {
  return stringify({
    bom: options.bom ?? true,
    header: true,
    columns: options.columns.map((c) => spreadsheetCell(c)),
    cast: {
      string: (value) => spreadsheetCell(value),
      number: (value) => String(value),
      bigint: (value) => String(value),
      boolean: (value) => (value ? 'true' : 'false'),
      date: (value) => value.toISOString(),
      object: (value) => spreadsheetCell(JSON.stringify(value)),
    },
  });
}

/** The header cells of every rejections download: the line, the reasons, then the row's own columns. */
export const REJECTION_COLUMNS = ['行号 line', '原因 reasons'] as const;

/**
 * A rejections download (every refused row of an upload with its line, its reasons and its cells
 * as uploaded): write `rejectionCells(…)` per row.
 */
export function createRejectionsWriter(columns: readonly string[]): Stringifier {
  return createCsvWriter({ columns: [...REJECTION_COLUMNS, ...columns] });
}

export function rejectionCells(
  line: number,
  reasons: readonly string[],
  row: Readonly<Record<string, unknown>>,
  columns: readonly string[],
): unknown[] {
  return [line, reasons.join('; '), ...columns.map((c) => row[c] ?? '')];
}
