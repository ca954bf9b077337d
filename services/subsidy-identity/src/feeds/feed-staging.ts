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
import { FEED_HEADER, type FeedField, type RequiredColumn } from './feed-columns.js';
import { HeaderProblem } from './feed-errors.js';
import { idNumberFacts } from './feed-row-facts.js';
import { commaSeparated } from './tab-separated.js';

// What each bound of the XLSX reader is called in a refusal: the setting an admin can raise, or
// the fixed limit it is.
const BOUND_NAMES: Record<XlsxBound, string> = {
  maxEntries: 'FEED_XLSX_MAX_ENTRIES',
  maxInflatedBytes: 'FEED_XLSX_MAX_INFLATED_BYTES',
  maxSharedStringsBytes: 'FEED_XLSX_MAX_SHARED_STRINGS_BYTES',
  maxSharedStrings: 'FEED_XLSX_MAX_SHARED_STRINGS',
  maxRowChars: 'FEED_XLSX_MAX_ROW_CHARS',
  cellChars: 'Excel’s limit of characters in a cell',
  rowCells: 'Excel’s limit of cells in a row',
  rows: 'Excel’s limit of rows',
  partBytes: 'the limit of a part describing the workbook, in bytes',
  markupRun: 'the limit of one XML text or tag, in characters',
  depth: 'the limit of nested XML elements',
};

export const STAGING_TABLE = 'feed_rows';

export interface StagedFeed extends Staged<FeedField> {
  /** SHA-256 of the bytes as sent: the same file posted again is known by it. */
  sha256: string;
  /** Valid ID numbers the file (probably) holds more than once. */
  repeatedIds: string[];
}

export interface StageFeedOptions {
  format: UploadFormat;
  mode: 'snapshot' | 'delta';
  today: string;
  /** The key's region; a 12-digit one makes the village column optional. */
  scope: string | null;
  maxBytes: number;
  xlsx: XlsxLimits;
}

/** The columns a header lacks: the ID, an identity (or a disability grade), a village unless the key is one, a delta's action. */
function missingColumns(
  columns: Partial<Record<FeedField, number>>,
  options: Pick<StageFeedOptions, 'mode' | 'scope'>,
): RequiredColumn[] {
  const missing: RequiredColumn[] = [];
  if (columns.idNumber === undefined) missing.push('idNumber');
  if (columns.identity === undefined && columns.disabilityGrade === undefined) missing.push('identity');
  if (columns.village === undefined && options.scope?.length !== 12) missing.push('village');
  if (options.mode === 'delta' && columns.action === undefined) missing.push('action');
  return missing;
}

/**
 * A department's upload (CSV comma or tab, XLSX, NDJSON) into the temp table `feed_rows` through
 * @rmi/ingest: each record with its physical line, what rules say of its ID number
 * (feed-row-facts.ts), and its cells as sent. The header is judged before a row is staged: a
 * missing ID, identity or village column is a HeaderProblem naming them with the header read; an
 * unreadable file a FileProblem; a file past FEED_MAX_BYTES (or an XLSX past its bounds)
 * FileTooLarge or a FileProblem coded IMPORT_TOO_LARGE.
 */
export async function stageFeed(client: pg.PoolClient, body: Readable, options: StageFeedOptions): Promise<StagedFeed> {
  const hash = createHash('sha256');
  const repeats = new RepeatFinder();
  const watched = watchHeaderRows(FEED_HEADER);
  const source = uploadBytes(body, { ...options, hash });
  const upload = Readable.from(options.format === 'csv' ? commaSeparated(source) : source, { objectMode: false });
  let staged: Staged<FeedField>;
  try {
    staged = await stageUpload(client, upload, {
      format: options.format,
      matcher: watched.matcher,
      // The header is the first row naming an ID number column (title rows above it are skipped).
      required: ['idNumber'],
      checkHeader: (header) => {
        const missing = missingColumns(header.match.columns, options);
        if (missing.length > 0) throw new HeaderProblem(missing, header.cells, header.line);
      },
      derive: ({ match }) => idNumberFacts(match.columns.idNumber, options.today, repeats),
      xlsx: options.xlsx,
      boundNames: BOUND_NAMES,
      table: STAGING_TABLE,
    });
  } catch (err) {
    // The ID column is the one stageUpload checks itself: its refusal names the field alone.
    if (err instanceof FileProblem && err.errors.some((e) => e.path === 'idNumber')) {
      const cells = watched.read();
      const columns = FEED_HEADER.match(cells).columns;
      throw new HeaderProblem(missingColumns(columns, options), cells, err.errors[0]?.line);
    }
    if (err instanceof FileProblem && err.errors.some((e) => e.path !== undefined)) {
      throw new HeaderProblem([], watched.read(), err.errors[0]?.line, err.errors);
    }
    throw err;
  }
  return { ...staged, sha256: hash.digest('hex'), repeatedIds: [...repeats.repeats] };
}
