export {
  type CsvRow,
  CsvSyntaxError,
  type CsvTable,
  csvRecords,
  type ParsedCsv,
  parseCsv,
  readCsvTable,
} from './csv-table.js';
export {
  type CsvWriterOptions,
  createCsvWriter,
  createRejectionsWriter,
  REJECTION_COLUMNS,
  rejectionCells,
  spreadsheetCell,
} from './csv-writer.js';
export { EXCEL_NUMBER_MESSAGE, EXCEL_NUMBER_PATTERN, isExcelShortened, numberText } from './excel-number.js';
export {
  type ColumnAliases,
  createHeaderMatcher,
  type FoundHeader,
  findHeader,
  type HeaderMatch,
  type HeaderMatcher,
  type HeaderRow,
  isBlankRow,
  MAX_TITLE_ROWS,
  normaliseHeader,
  watchHeaderRows,
} from './header-matcher.js';
export { jsonCell, type NdjsonRecord, ndjsonCells, readNdjson } from './ndjson-reader.js';
export {
  cellAt,
  csvCell,
  type DerivedColumns,
  RaggedRecord,
  RecordSplitter,
  type SplitterOptions,
} from './record-splitter.js';
export { RepeatFinder } from './repeat-finder.js';
export {
  FileProblem,
  type FileProblemCode,
  type FileProblemError,
  formatRowError,
  parseRowError,
  type RowError,
} from './row-errors.js';
export { type Staged, type StagedHeader, type StageOptions, stageUpload, type UploadFormat } from './staging.js';
export {
  type Download,
  type DownloadLog,
  keysetPages,
  tableDownload,
  XLSX_CONTENT_TYPE,
} from './table-download.js';
export {
  type CopyEncoding,
  copyEncodingOf,
  decodeAs,
  decodeText,
  detectEncoding,
  encodeAs,
  hasBom,
  type TextEncoding,
} from './text-encoding.js';
export { FileTooLarge, uploadBytes } from './upload-bytes.js';
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
export {
  createXlsxWriter,
  writeXlsx,
  type XlsxColumn,
  type XlsxWriter,
  type XlsxWriterOptions,
  xlsxCell,
} from './xlsx-writer.js';
