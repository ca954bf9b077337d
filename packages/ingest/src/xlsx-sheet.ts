import type yauzl from 'yauzl';
import { numberText } from './excel-number.js';
import {
  EXCEL_MAX_CELL_CHARS,
  EXCEL_MAX_COLUMNS,
  EXCEL_MAX_ROWS,
  type InflateBudget,
  type XlsxLimits,
  XlsxTooLarge,
  XlsxUnreadable,
} from './xlsx-limits.js';
import { XmlPart } from './xml-part.js';
import type { ZipArchive } from './zip-archive.js';

/** One row of the sheet: its number (1 for the first row), and each cell's text by column. */
export interface XlsxRow {
  line: number;
  /** A cell per column from A to the last cell the row has; '' where it has none. */
  cells: string[];
}

export interface SheetContext {
  sharedStrings: readonly string[];
  isDateStyle: (style: number) => boolean;
  date1904: boolean;
}

interface Cell {
  column: number;
  type: string;
  style: number;
  value: string | undefined;
  inline: string | undefined;
}

/** `B7` → 1; undefined for anything that is not letters then digits. */
function columnOf(ref: string): number | undefined {
  const letters = /^([A-Za-z]+)\d*$/.exec(ref)?.[1];
  if (!letters) return undefined;
  // Past XFD, the last column, whatever the letters say.
  if (letters.length > 3) return EXCEL_MAX_COLUMNS;
  let column = 0;
  for (const ch of letters.toUpperCase()) column = column * 26 + (ch.charCodeAt(0) - 64);
  return column - 1;
}

function columnName(column: number): string {
  let name = '';
  for (let n = column + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

const MS_PER_DAY = 86_400_000;
// Day 25569 of Excel's 1900 calendar is 1970-01-01; the 1904 calendar starts 1462 days later.
const UNIX_EPOCH_SERIAL = 25_569;
const DATE_1904_OFFSET = 1_462;
// 9999-12-31, the last day Excel shows.
const LAST_SERIAL = 2_958_465;

/** A date serial as YYYY-MM-DD (its time of day dropped); the serial as written when Excel would not show a date. */
function dateText(serial: string, date1904: boolean): string {
  let days = Number(serial);
  if (!serial.trim() || !Number.isFinite(days) || days < 0 || days >= LAST_SERIAL + 1) return serial.trim();
  // Excel's 1900 calendar has a 29 February 1900 (Lotus 1-2-3's error, kept): days before it are one off.
  if (!date1904 && days < 61) days += 1;
  const ms = Math.round((days - UNIX_EPOCH_SERIAL + (date1904 ? DATE_1904_OFFSET : 0)) * MS_PER_DAY);
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Streams the rows of a worksheet part. Cells read as Excel shows them: shared and inline strings
 * (rich-text runs joined, phonetic guides left out), a formula's cached result, numbers as written
 * in the XML (past 15 digits, which Excel cannot keep, as Excel shows them: `5.00230E+17`), numbers
 * in a date style as YYYY-MM-DD, booleans as true/false, errors as ''.
 */
export async function* readSheetRows(
  zip: ZipArchive,
  entry: yauzl.Entry,
  context: SheetContext,
  budget: InflateBudget,
  limits: Pick<XlsxLimits, 'maxRowChars'>,
): AsyncGenerator<XlsxRow> {
  const ready: XlsxRow[] = [];
  let inSheetData = false;
  let lastLine = 0;
  let row: { line: number; cells: string[]; count: number; chars: number } | undefined;
  let cell: Cell | undefined;
  let capture: 'value' | 'inline' | undefined;
  let inInline = false;
  let phonetic = 0;

  const where = (c: Cell) => `cell ${columnName(c.column)}${row?.line}`;
  const tooLong = (c: Cell) =>
    new XlsxTooLarge(
      'cellChars',
      EXCEL_MAX_CELL_CHARS,
      `${where(c)} has more than ${EXCEL_MAX_CELL_CHARS} characters`,
      row?.line,
    );

  function textOf(c: Cell): string {
    const value = c.value ?? '';
    switch (c.type) {
      case 's': {
        if (c.value === undefined) return '';
        const text = /^\s*\d+\s*$/.test(value) ? context.sharedStrings[Number(value)] : undefined;
        if (text === undefined)
          throw new XlsxUnreadable(`${where(c)} names a shared string the workbook lacks`, row?.line);
        // A reference of a few bytes stands for up to 32,767 characters: the text is what counts.
        budget.spend(text.length, `shared text in ${where(c)}`, row?.line);
        return text;
      }
      case 'inlineStr':
        return c.inline ?? value;
      case 'str':
        return value;
      case 'b':
        return c.value === undefined ? '' : value.trim() === '0' ? 'false' : 'true';
      case 'e':
        return '';
      case 'd':
        return /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : value;
      default:
        if (c.value === undefined) return c.inline ?? '';
        return context.isDateStyle(c.style) ? dateText(value, context.date1904) : numberText(value);
    }
  }

  const xml = new XmlPart(
    entry.fileName,
    {
      open(name, a) {
        if (name === 'sheetData') inSheetData = true;
        else if (name === 'row' && inSheetData) {
          const line = a.r === undefined ? lastLine + 1 : Number(a.r);
          if (!Number.isInteger(line) || line <= lastLine) {
            throw new XlsxUnreadable(`row ${a.r} comes after row ${lastLine}; rows must go down the sheet`, lastLine);
          }
          if (line > EXCEL_MAX_ROWS) {
            throw new XlsxTooLarge('rows', EXCEL_MAX_ROWS, `the sheet has a row ${line}`, line);
          }
          row = { line, cells: [], count: 0, chars: 0 };
        } else if (name === 'c' && row) {
          const column = a.r === undefined ? row.cells.length : columnOf(a.r);
          if (column === undefined) throw new XlsxUnreadable(`row ${row.line} has a cell named ${a.r}`, row.line);
          if (column >= EXCEL_MAX_COLUMNS || ++row.count > EXCEL_MAX_COLUMNS) {
            throw new XlsxTooLarge(
              'rowCells',
              EXCEL_MAX_COLUMNS,
              `row ${row.line} has more than ${EXCEL_MAX_COLUMNS} cells`,
              row.line,
            );
          }
          cell = { column, type: a.t ?? 'n', style: Number(a.s ?? 0), value: undefined, inline: undefined };
        } else if (cell) {
          if (name === 'v') {
            capture = 'value';
            cell.value = '';
          } else if (name === 'is') {
            inInline = true;
            cell.inline = '';
          } else if (name === 'rPh') phonetic++;
          else if (name === 't' && inInline && phonetic === 0) capture = 'inline';
        }
      },
      close(name) {
        if (name === 'v' || name === 't') capture = undefined;
        else if (name === 'rPh') phonetic--;
        else if (name === 'is') inInline = false;
        else if (name === 'c' && row && cell) {
          const text = textOf(cell);
          if (text.length > EXCEL_MAX_CELL_CHARS) throw tooLong(cell);
          row.chars += text.length;
          if (row.chars > limits.maxRowChars) {
            throw new XlsxTooLarge(
              'maxRowChars',
              limits.maxRowChars,
              `row ${row.line} has more than ${limits.maxRowChars} characters`,
              row.line,
            );
          }
          row.cells[cell.column] = text;
          cell = undefined;
        } else if (name === 'row' && row) {
          if (row.count > 0) ready.push({ line: row.line, cells: Array.from(row.cells, (c) => c ?? '') });
          lastLine = row.line;
          row = undefined;
        } else if (name === 'sheetData') inSheetData = false;
      },
      text(piece) {
        if (!cell || !capture) return;
        if (capture === 'value') cell.value += piece;
        else cell.inline += piece;
        if ((cell.value?.length ?? 0) > EXCEL_MAX_CELL_CHARS || (cell.inline?.length ?? 0) > EXCEL_MAX_CELL_CHARS) {
          throw tooLong(cell);
        }
      },
    },
    () => row?.line ?? lastLine,
  );

  for await (const chunk of zip.read(entry, budget)) {
    xml.write(chunk);
    // Rows completed by this chunk go out before the next is inflated: the consumer's pace sets
    // how fast the archive is read.
    yield* ready.splice(0);
  }
  xml.end();
  yield* ready.splice(0);
}
