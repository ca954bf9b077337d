/**
 * How far one workbook may take the reader. A few kilobytes of XLSX can inflate to gigabytes, so
 * every quantity the reader holds or walks through is counted against one of these, and reading
 * stops at the first one crossed.
 */
export interface XlsxLimits {
  /** Entries in the archive's central directory; refused before any is read. */
  maxEntries: number;
  /**
   * Uncompressed bytes of the parts read (as the archive declares them, before a byte is
   * inflated), plus the length of a shared string each time a cell uses it, since that is text the
   * reader hands on without the file paying for it in bytes.
   */
  maxInflatedBytes: number;
  /** Uncompressed size of the shared-strings part, which is held in memory while the sheet is read. */
  maxSharedStringsBytes: number;
  /** Distinct shared strings: each costs memory beyond its text. */
  maxSharedStrings: number;
  /** Characters in one row's cells together: a row becomes one line of text downstream. */
  maxRowChars: number;
}

// Excel's specifications and limits: no workbook Excel saves goes past them.
export const EXCEL_MAX_CELL_CHARS = 32_767;
export const EXCEL_MAX_COLUMNS = 16_384;
export const EXCEL_MAX_ROWS = 1_048_576;

// Parts that describe the workbook (workbook.xml, its relationships, styles.xml) are a few
// kilobytes, a few megabytes for a workbook with thousands of styles.
export const MAX_PART_BYTES = 16 * 1024 * 1024;
// The XML parser holds a tag, a text or a comment whole until it ends. A cell of 32,767
// characters, every one written as an entity such as `&#x4E2D;`, is 262,136 characters of XML.
export const MAX_MARKUP_RUN = 1024 * 1024;
// SpreadsheetML nests seven deep (worksheet, sheetData, row, c, is, r, t); extensions a few more.
export const MAX_DEPTH = 64;

/** Which bound a workbook crossed: a key of XlsxLimits, or one of the fixed limits above. */
export type XlsxBound = keyof XlsxLimits | 'cellChars' | 'rowCells' | 'rows' | 'partBytes' | 'markupRun' | 'depth';

/** The workbook goes past a bound; `limit` is the bound's value, `line` the sheet row when known. */
export class XlsxTooLarge extends Error {
  constructor(
    readonly bound: XlsxBound,
    readonly limit: number,
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'XlsxTooLarge';
  }
}

/** The file is not a workbook this reader can read: not a zip, no worksheet, broken XML. */
export class XlsxUnreadable extends Error {
  constructor(
    message: string,
    readonly line?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'XlsxUnreadable';
  }
}

/** The running total behind `maxInflatedBytes`. */
export class InflateBudget {
  private spent = 0;

  constructor(private readonly max: number) {}

  /** Counts `bytes` more, refusing when the total would pass the bound. */
  spend(bytes: number, what: string, line?: number): void {
    this.spent += bytes;
    if (this.spent > this.max) {
      throw new XlsxTooLarge(
        'maxInflatedBytes',
        this.max,
        `${what} takes the workbook past ${this.max} bytes uncompressed`,
        line,
      );
    }
  }
}
