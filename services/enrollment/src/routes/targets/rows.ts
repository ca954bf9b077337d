import type { RegionLevel } from '@rmi/db';
import { isExcelShortened, readCsvTable, type TextEncoding } from '@rmi/ingest';
import { type Principal, regionInScope } from '@rmi/service-kit';

/** Above this a number is a typo: the largest communities count tens of thousands of residents. */
export const MAX_TARGET = 1_000_000;

/**
 * Header names a target file may use, as county staff and the notices' annexes label them; the
 * matcher of @rmi/ingest folds brackets, spaces and case, and ignores a trailing note such as (人).
 */
export const TARGET_CSV_ALIASES = {
  regionCode: ['村(社区)代码', '村代码', 'regionCode', 'code'],
  target: ['任务数', 'target'],
  source: ['来源', 'source'],
};

export type TargetField = 'regionCode' | 'target';

/** A row as given; `target` is undefined when the cell could not be read as a number. */
export interface CandidateRow {
  regionCode: string;
  target: number | undefined;
}

export interface RowIssue {
  /** Index of the row in the batch. */
  index: number;
  field: TargetField;
  message: string;
}

/**
 * Every complaint about a batch, so one answer lists all of them. Scope is checked before existence
 * so a key learns nothing about regions outside its own.
 */
export function checkTargetRows(
  rows: readonly CandidateRow[],
  levels: ReadonlyMap<string, RegionLevel>,
  principal: Principal,
  describe: (index: number) => string,
): RowIssue[] {
  const issues: RowIssue[] = [];
  const firstIndex = new Map<string, number>();
  rows.forEach(({ regionCode: code, target }, index) => {
    const issue = (field: TargetField, message: string) => issues.push({ index, field, message });
    if (code === '') issue('regionCode', 'the village code is empty');
    else if (!/^\d{12}$/.test(code)) {
      const level = regionInScope(principal, code) ? levels.get(code) : undefined;
      // Excel shows a 12-digit code as 5.00230E+11 and saves it that way.
      const hint = isExcelShortened(code) ? '; format the column as text in the spreadsheet' : '';
      issue(
        'regionCode',
        level ? `${code} is a ${level}, not a village` : `"${code}" is not a 12-digit village code${hint}`,
      );
    } else if (!regionInScope(principal, code)) {
      issue('regionCode', `${code} is outside the region of this API key (${principal.regionCode ?? 'none'})`);
    } else if (levels.get(code) !== 'village') {
      issue('regionCode', `no village ${code} is loaded (POST /v1/regions/import adds villages)`);
    } else {
      const seen = firstIndex.get(code);
      if (seen !== undefined) issue('regionCode', `${code} already appears at ${describe(seen)}`);
      else firstIndex.set(code, index);
    }
    if (target !== undefined && target < 0) issue('target', `the target must be 0 or more, got ${target}`);
    else if (target !== undefined && target > MAX_TARGET) {
      issue('target', `${target} is more than ${MAX_TARGET.toLocaleString('en')}, beyond any village`);
    }
  });
  return issues;
}

export interface CsvTargetRow extends CandidateRow {
  line: number;
  source: string | null;
}

export interface CsvIssue {
  line: number;
  column?: string;
  message: string;
}

/** Reads an uploaded target file (UTF-8 with or without BOM, or GB18030); checks only the cells. */
export function readTargetCsv(buf: Buffer): { rows: CsvTargetRow[]; errors: CsvIssue[]; encoding: TextEncoding } {
  const table = readCsvTable(buf, TARGET_CSV_ALIASES, ['regionCode', 'target']);
  const { encoding } = table;
  if (table.errors.length > 0) {
    const errors = table.errors.map(({ line, column, code, message }) =>
      code === 'MISSING_COLUMN'
        ? { line, column, message }
        : { line, message: code === 'MALFORMED_CSV' ? `not well-formed CSV: ${message}` : message },
    );
    return { rows: [], errors, encoding };
  }

  const errors: CsvIssue[] = [];
  const rows = table.rows.map(({ line, values }) => {
    const cell = values.target;
    // A spreadsheet formatted with thousands separators saves 1,200 (quoted) for 1200.
    const digits = /^-?\d{1,3}(,\d{3})+$/.test(cell) ? cell.replaceAll(',', '') : cell;
    let target: number | undefined;
    if (cell === '') errors.push({ line, column: 'target', message: 'the target is empty' });
    else if (!/^-?\d+$/.test(digits)) {
      errors.push({ line, column: 'target', message: `"${cell}" is not a whole number of persons` });
    } else target = Number(digits);
    return { line, regionCode: values.regionCode, target, source: values.source || null };
  });
  return { rows, errors, encoding };
}
