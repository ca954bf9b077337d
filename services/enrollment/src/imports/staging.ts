import type { Readable } from 'node:stream';
import { RepeatFinder, type Staged, stageUpload, type XlsxBound, type XlsxLimits } from '@rmi/ingest';
import type pg from 'pg';
import { REGISTRATION_HEADER, type RegistrationField } from './registration-columns.js';
import { registrationFacts } from './registration-facts.js';

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

export interface StagedRegistrations extends Staged<RegistrationField> {
  /** The distinct village cells of the file, as they stream past. */
  villages: Set<string>;
  /** ID numbers the file (probably) holds more than once. */
  repeatedIds: string[];
}

/**
 * A registration upload (CSV or XLSX) into the temp table `import_rows` through @rmi/ingest: each
 * record with its physical line, what rules say of its ID numbers (registration-facts.ts), and
 * its cells. The header is judged before a byte is staged; a bad one is a FileProblem.
 */
export async function stageRegistrations(
  client: pg.PoolClient,
  body: Readable,
  options: {
    format: 'csv' | 'xlsx';
    required: readonly RegistrationField[];
    today: string;
    onBytes: (bytes: number) => void;
    xlsx: XlsxLimits;
  },
): Promise<StagedRegistrations> {
  const villages = new Set<string>();
  const repeats = new RepeatFinder();
  const staged = await stageUpload(client, body, {
    format: options.format,
    matcher: REGISTRATION_HEADER,
    required: options.required,
    derive: ({ match }) => registrationFacts(match.columns, options.today, (v) => villages.add(v), repeats),
    onBytes: options.onBytes,
    xlsx: options.xlsx,
    boundNames: BOUND_NAMES,
    table: 'import_rows',
  });
  villages.delete('');
  return { ...staged, villages, repeatedIds: [...repeats.repeats] };
}
