export { type CsvWriterOptions, createCsvWriter, spreadsheetCell } from './csv-writer.js';
export {
  EXCEL_MAX_CELL_CHARS,
  EXCEL_MAX_COLUMNS,
  EXCEL_MAX_ROWS,
  MAX_DEPTH,
  MAX_MARKUP_RUN,
  MAX_PART_BYTES,
  type XlsxBound,
  type XlsxLimits,
  XlsxTooLarge,
  XlsxUnreadable,
} from './xlsx-limits.js';
export { readXlsxRows } from './xlsx-reader.js';
export type { XlsxRow } from './xlsx-sheet.js';
