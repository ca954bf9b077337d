import { type DerivedColumns, EXCEL_NUMBER_MESSAGE, isExcelShortened, type RepeatFinder } from '@rmi/ingest';
import { parseIdNumber } from '@rmi/rules';

// What `rules` says of each row's ID number, computed as the row streams past and staged in
// front of its cells: the normalised number, or the problem with it. Every other cell repeats
// across a list (a handful of identity labels, a few hundred villages, some dates), so those are
// decided once per distinct value after staging (feed-decisions.ts) and the database joins the
// answers; only the ID number, different on every row, is read here.

/** The staging columns in front of the file's cells, in the order `compute` returns them. */
export const FACT_COLUMNS = ['id', 'id_problem'] as const;

const NON_ASCII = /[^\x20-\x7e]/;

/** An ID number cell as typed: a leading `'` (Excel's text guard) dropped, full-width digits made ASCII. */
function idText(cell: string): string {
  const text = cell.startsWith("'") ? cell.slice(1).trim() : cell;
  return NON_ASCII.test(text) ? text.normalize('NFKC').replace(/\s+/g, '') : text;
}

/**
 * An 18-digit number a spreadsheet kept as a floating point number: its last three digits are
 * zeros Excel wrote in place of the ones it could not keep, so the check character fails.
 */
const zeroFilled = (id: string) => id.length === 18 && id.endsWith('000') && /^\d{18}$/.test(id);

const problem = (code: string, message: string) => JSON.stringify({ column: 'idNumber', code, message });
const MISSING = problem('MISSING_FIELD', 'required');
const MANGLED = problem('ID_NUMBER_MANGLED', EXCEL_NUMBER_MESSAGE);

/**
 * `[normalised, problem]` of one ID number cell: the 18-character number when rules accept it
 * (15 digits upgraded, a final x upper-cased), else the problem as a row error's JSON.
 */
export function idFacts(cell: string, today: string): [string, string] {
  const raw = idText(cell);
  if (raw === '') return ['', MISSING];
  const parsed = parseIdNumber(raw, today);
  if (parsed.ok) return [parsed.idNumber, ''];
  if (isExcelShortened(raw) || zeroFilled(raw)) return ['', MANGLED];
  return ['', problem('INVALID_ID_NUMBER', parsed.message)];
}

/**
 * The derived columns of a feed upload. `repeats` sees each valid ID number, so duplicates are
 * looked for only among those seen twice. One array serves every row: a million rows should not
 * make a million arrays for the collector.
 */
export function idNumberFacts(idColumn: number | undefined, today: string, repeats: RepeatFinder): DerivedColumns {
  const facts: string[] = ['', ''];
  return {
    names: FACT_COLUMNS,
    compute(cell) {
      const [id, idProblem] = idFacts(cell(idColumn), today);
      if (id !== '') repeats.see(id);
      facts[0] = id;
      facts[1] = idProblem;
      return facts;
    },
  };
}

/** Dates are read by feed-values.ts; re-exported for readers of other lists (deaths). */
export { civilDateOf } from './feed-values.js';
