import { CsvSyntaxError, decodeText, parseCsv, type RegionLevel, type TextEncoding } from '@rmi/db';
import { type Principal, regionInScope } from '@rmi/service-kit';

/** Above this a number is a typo: the largest communities count tens of thousands of residents. */
export const MAX_TARGET = 1_000_000;

/** Header names a target file may use, as county staff and the notices' annexes label them. */
export const TARGET_CSV_ALIASES = {
  regionCode: ['村(社区)代码', '村（社区）代码', '村代码', 'regionCode', 'code'],
  target: ['任务数', '任务数(人)', '任务数（人）', 'target'],
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
      const hint = /^[0-9.]+e\+?[0-9]+$/i.test(code) ? '; format the column as text in the spreadsheet' : '';
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
  const { text, encoding } = decodeText(buf);
  let parsed: ReturnType<typeof parseCsv<keyof typeof TARGET_CSV_ALIASES>>;
  try {
    parsed = parseCsv(text, TARGET_CSV_ALIASES);
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    return { rows: [], errors: [{ line: err.line, message: `not well-formed CSV: ${err.message}` }], encoding };
  }
  const headerLine = Math.max(parsed.headerLine, 1);
  const missing = parsed.missingColumns.filter((field): field is TargetField => field !== 'source');
  if (missing.length > 0) {
    const errors = missing.map((field) => ({
      line: headerLine,
      column: field,
      message: `no column for ${field}; the header may name it ${TARGET_CSV_ALIASES[field].join(', ')}`,
    }));
    return { rows: [], errors, encoding };
  }
  if (parsed.rows.length === 0)
    return { rows: [], errors: [{ line: headerLine, message: 'the file has no rows' }], encoding };

  const errors: CsvIssue[] = [];
  const rows = parsed.rows.map(({ line, values }) => {
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
