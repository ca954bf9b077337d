import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { spreadsheetCell } from './csv-writer.js';

// XLSX downloads (diffs, rosters) written as they are read: exceljs's streaming WorkbookWriter
// emits each row into the zip as it is committed, with strings inline (no shared-strings table,
// which would hold every distinct text until the end). A million rows stay a few megabytes of
// memory whatever the sheet's size.

/**
 * A column of the sheet. `text` columns write every value as text, in a cell formatted as text
 * (`@`): ID numbers, codes and phone numbers must never become numbers Excel shortens to
 * `5.00230E+17`. `number` columns write numbers as numbers (amounts, counts); `auto` (the
 * default) writes numbers as numbers and anything else as text.
 */
export interface XlsxColumn {
  header: string;
  type?: 'text' | 'number' | 'auto';
  /** Width in characters (Excel's unit); default from the header. */
  width?: number;
}

export interface XlsxWriterOptions {
  /** The sheet's name (Excel allows 31 characters, no `[]:*?/\`); default `Sheet1`. */
  sheetName?: string;
  columns: readonly (string | XlsxColumn)[];
}

export interface XlsxWriter {
  /**
   * Writes one row, cells in column order. Resolves once the output can take more, so a slow
   * reader of the download slows the writer instead of filling memory.
   */
  addRow(cells: readonly unknown[]): Promise<void>;
  /** Ends the sheet and the workbook; resolves when the whole file has been handed to the output. */
  finish(): Promise<void>;
}

/** Rows written between two looks at the output's back-pressure; a row is a few hundred bytes. */
const ROWS_PER_TURN = 256;
/** Sheet XML waiting to be deflated beyond which the writer waits (see `pendingBytes`). */
const MAX_PENDING_BYTES = 1024 * 1024;
/** Excel forbids these in a sheet name. */
const SHEET_NAME_FORBIDDEN = /[[\]:*?/\\]/g;

const columnOf = (c: string | XlsxColumn): XlsxColumn => (typeof c === 'string' ? { header: c } : c);

type ExcelJs = typeof import('exceljs');
type WorkbookWriter = InstanceType<ExcelJs['stream']['xlsx']['WorkbookWriter']>;
type Worksheet = ReturnType<WorkbookWriter['addWorksheet']>;

let excel: Promise<ExcelJs> | undefined;
/**
 * exceljs takes most of a second of CPU to load: it is loaded for the first workbook written, not
 * by every process that imports this package (each service, each test file).
 */
export function loadExcel(): Promise<ExcelJs> {
  excel ??= import('exceljs').then((m) => (m as ExcelJs & { default?: ExcelJs }).default ?? m);
  return excel;
}

/**
 * One cell as written: text through `spreadsheetCell` (a value that would start a formula gets a
 * leading `'`, the rule of every file the project writes), numbers as numbers unless the column
 * is text, dates as `YYYY-MM-DD` text (civil dates are strings here already), nothing as empty.
 */
export function xlsxCell(value: unknown, type: XlsxColumn['type'] = 'auto'): string | number | null {
  if (value === null || value === undefined || value === '') return null;
  if (type !== 'text' && typeof value === 'number' && Number.isFinite(value)) return value;
  if (type !== 'text' && typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return spreadsheetCell(JSON.stringify(value));
  return spreadsheetCell(typeof value === 'number' || typeof value === 'bigint' ? String(value) : value);
}

/**
 * A streaming XLSX writer into `output` (an HTTP response, a file): one worksheet, a header row,
 * then the rows given. The caller ends nothing itself: `finish()` ends `output`.
 */
export function createXlsxWriter(output: Writable, options: XlsxWriterOptions): XlsxWriter {
  const columns = options.columns.map(columnOf);
  let sheet: Worksheet | undefined;
  let workbook: WorkbookWriter | undefined;
  // The workbook is opened once exceljs has loaded; a row waits for that only while it has not.
  const opened = loadExcel().then((ExcelJS) => {
    workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false });
    const name = (options.sheetName ?? 'Sheet1').replace(SHEET_NAME_FORBIDDEN, ' ').slice(0, 31) || 'Sheet1';
    sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = columns.map((c, i) => ({
      key: `c${i}`,
      width: c.width ?? Math.min(40, Math.max(10, [...c.header].length * 2 + 2)),
      // A text column stays text when someone edits a cell: Excel keeps `@` cells as typed.
      ...(c.type === 'text' ? { style: { numFmt: '@' } } : {}),
    }));
    // Headers are written as text too: they may come from an upload (an errors download).
    const header = sheet.getRow(1);
    header.values = columns.map((c) => xlsxCell(c.header, 'text') ?? '');
    header.font = { bold: true };
    header.commit();
    return { workbook, sheet };
  });
  // Not yet awaited by anyone: a failure to load is thrown by the first row or by finish().
  opened.catch(() => {});

  let rowNumber = 1;
  let written = 0;
  let failed: unknown;
  output.once('error', (err) => {
    failed = err;
  });

  /**
   * The sheet's XML written but not yet deflated. exceljs's sheet stream hands its chunks to the
   * zip's deflate stream without waiting for it, so a writer faster than deflate piles them up
   * there; the output's own back-pressure cannot see that. (Read defensively: were exceljs's
   * internals to change, this is 0 and only the output paces the writer.)
   */
  function pendingBytes(): number {
    const pipes = (sheet as unknown as { stream?: { pipes?: unknown } } | undefined)?.stream?.pipes;
    if (!Array.isArray(pipes)) return 0;
    // The zip's entry streams come from the readable-stream package, which predates
    // `writableLength`: their states are read directly.
    type State = { length?: unknown } | undefined;
    return pipes.reduce(
      (n: number, p: { _writableState?: State; _readableState?: State }) =>
        n + (Number(p?._writableState?.length) || 0) + (Number(p?._readableState?.length) || 0),
      0,
    );
  }

  async function pace(): Promise<void> {
    // The rows so far go into the zip on later turns of the event loop (deflate runs off the main
    // thread); a loop that never yields would hold the whole sheet before a byte leaves.
    await nextTurn();
    while (!failed && !output.destroyed) {
      if (output.writableNeedDrain) await Promise.race([once(output, 'drain'), once(output, 'close')]);
      else if (pendingBytes() > MAX_PENDING_BYTES) await sleep(1);
      else break;
    }
    if (failed) throw failed;
    if (output.destroyed) throw new Error('the output was closed before the workbook was finished');
  }

  return {
    async addRow(cells) {
      if (failed) throw failed;
      const row = (sheet ?? (await opened).sheet).getRow(++rowNumber);
      row.values = columns.map((c, i) => xlsxCell(cells[i], c.type));
      row.commit();
      if (++written % ROWS_PER_TURN === 0) await pace();
    },
    async finish() {
      if (failed) throw failed;
      const open = sheet && workbook ? { sheet, workbook } : await opened;
      open.sheet.commit();
      await open.workbook.commit();
    },
  };
}

/** Writes `rows` as a workbook into `output` and ends it. */
export async function writeXlsx(
  output: Writable,
  options: XlsxWriterOptions,
  rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
): Promise<void> {
  const writer = createXlsxWriter(output, options);
  for await (const cells of rows) await writer.addRow(cells);
  await writer.finish();
}
