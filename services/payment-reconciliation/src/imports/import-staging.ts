import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  FileProblem,
  RepeatFinder,
  type Staged,
  stageUpload,
  type UploadFormat,
  uploadBytes,
  watchHeaderRows,
  type XlsxBound,
  type XlsxLimits,
} from '@rmi/ingest';
import type pg from 'pg';
import {
  type ImportSource,
  missingColumns,
  PAYMENT_COLUMNS,
  PAYMENT_HEADER,
  type PaymentField,
} from './import-columns.js';
import { HeaderProblem } from './import-errors.js';
import { rowFacts } from './import-row-facts.js';

// What each bound of the XLSX reader is called in a refusal: the setting an admin can raise, or
// the fixed limit it is.
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

export const STAGING_TABLE = 'pay_rows';

export interface StagedExport extends Staged<PaymentField> {
  /** SHA-256 of the bytes as sent. */
  sha256: string;
  /** Row keys (kind, channel, voucher) the file (probably) holds more than once. */
  repeatedKeys: string[];
  /** How the file heads each column, made unique (the keys of an error's cells). */
  cellKeys: string[];
  /** How the file heads a field's column (its first alias when it has none). */
  headerOf(field: PaymentField): string;
}

export interface StageExportOptions {
  source: ImportSource;
  year: number;
  format: UploadFormat;
  today: string;
  channel: string | null;
  channels: ReadonlyMap<string, string>;
  maxBytes: number;
  xlsx: XlsxLimits;
}

/** Header cells as keys of a row's cells: trimmed, an empty one named by its position, a repeated one numbered. */
function uniqueKeys(cells: readonly string[]): string[] {
  const seen = new Set<string>();
  return cells.map((cell, i) => {
    let key = cell.trim() || `column ${i + 1}`;
    for (let n = 2; seen.has(key); n++) key = `${cell.trim() || `column ${i + 1}`} (${n})`;
    seen.add(key);
    return key;
  });
}

/**
 * An export (CSV in UTF-8, UTF-8 with BOM or GB18030, or XLSX) into the temp table `pay_rows`
 * through @rmi/ingest: each record with its physical line, what its cells mean and every problem
 * with them (import-row-facts.ts), then its cells as sent. The header is judged before a row is
 * staged: missing columns are a HeaderProblem naming them with the header read; an unreadable file
 * a FileProblem; a file past IMPORT_MAX_BYTES (or an XLSX past its bounds) FileTooLarge or a
 * FileProblem coded IMPORT_TOO_LARGE.
 */
export async function stageExport(
  client: pg.PoolClient,
  body: Readable,
  options: StageExportOptions,
): Promise<StagedExport> {
  const hash = createHash('sha256');
  const repeats = new RepeatFinder();
  const watched = watchHeaderRows(PAYMENT_HEADER);
  const upload = Readable.from(uploadBytes(body, { ...options, hash }), { objectMode: false });
  const channelGiven = options.channel !== null;
  let headerCells: readonly string[] = [];
  let columns: Partial<Record<PaymentField, number>> = {};
  const headerOf = (field: PaymentField) => {
    const index = columns[field];
    return (index === undefined ? undefined : headerCells[index]?.trim()) || PAYMENT_COLUMNS[field][0];
  };
  let staged: Staged<PaymentField>;
  try {
    staged = await stageUpload(client, upload, {
      format: options.format,
      matcher: watched.matcher,
      // The header is the first row naming an ID number column (title rows above it are skipped).
      required: ['idNumber'],
      checkHeader: (header) => {
        const missing = missingColumns(header.match.columns, options.source, channelGiven);
        if (missing.length > 0) throw new HeaderProblem(missing, header.cells, header.line);
      },
      derive: (header) => {
        headerCells = header.cells;
        columns = header.match.columns;
        return rowFacts({
          source: options.source,
          year: options.year,
          today: options.today,
          columns,
          headerOf,
          channel: options.channel,
          channels: options.channels,
          repeats,
        });
      },
      xlsx: options.xlsx,
      boundNames: BOUND_NAMES,
      table: STAGING_TABLE,
    });
  } catch (err) {
    // The ID column is the one stageUpload checks itself: its refusal names the field alone.
    if (err instanceof FileProblem && err.errors.some((e) => e.path === 'idNumber')) {
      const cells = watched.read();
      const found = PAYMENT_HEADER.match(cells).columns;
      throw new HeaderProblem(missingColumns(found, options.source, channelGiven), cells, err.errors[0]?.line);
    }
    if (err instanceof FileProblem && err.errors.some((e) => e.path !== undefined)) {
      throw new HeaderProblem([], watched.read(), err.errors[0]?.line, err.errors);
    }
    throw err;
  }
  return {
    ...staged,
    sha256: hash.digest('hex'),
    repeatedKeys: [...repeats.repeats],
    cellKeys: uniqueKeys(staged.header.cells),
    headerOf,
  };
}
