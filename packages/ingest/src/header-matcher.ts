// Columns are recognised by their header, whatever the file's author typed: the notices' Chinese
// labels and the API's English names, with brackets full-width or half-width (村（社区）代码 or
// 村(社区)代码), spaces and line breaks inside a cell, a `*` marking a required column, any case.
// Every reader (CSV, XLSX, NDJSON keys) and every import (registration, regions, targets) uses this
// one matcher, so a header accepted by one is accepted by all.

/** Header texts accepted for each field: Chinese as the notices print them, the API's names. */
export type ColumnAliases<F extends string> = Readonly<Record<F, readonly string[]>>;

const OPENING = /[【〔［[]/g;
const CLOSING = /[】〕］\]]/g;

/**
 * The form two headers are compared in: NFKC (full-width letters, digits and brackets become
 * half-width, the ideographic space a space), a BOM dropped, square and lenticular brackets as
 * round ones, lower case, and no whitespace, underscores, hyphens or asterisks.
 */
export function normaliseHeader(cell: string): string {
  return cell
    .replace(/^\uFEFF/, '')
    .normalize('NFKC')
    .replace(OPENING, '(')
    .replace(CLOSING, ')')
    .toLowerCase()
    .replace(/[\s_*-]+/g, '');
}

/** A unit or note in brackets at the end of a header (任务数(人), 身份证号(18位)) is not part of its name. */
const withoutTrailingNote = (normalised: string) => normalised.replace(/\([^()]*\)$/, '');

export interface HeaderMatch<F extends string> {
  /** File column (0-based) of each recognised field; the first column naming a field holds it. */
  columns: Partial<Record<F, number>>;
  /** Header cells that name no field, as written. */
  ignored: string[];
  /** Required fields no column names. */
  missing: F[];
  /** Fields named by more than one column. */
  duplicated: F[];
}

export interface HeaderMatcher<F extends string> {
  readonly fields: readonly F[];
  /** The field a header cell names, if any. */
  fieldOf(cell: string): F | undefined;
  match(cells: readonly string[], required?: readonly F[]): HeaderMatch<F>;
  aliasesOf(field: F): readonly string[];
}

export function createHeaderMatcher<F extends string>(aliases: ColumnAliases<F>): HeaderMatcher<F> {
  const fields = Object.keys(aliases) as F[];
  const lookup = new Map<string, F>();
  for (const field of fields) {
    for (const alias of aliases[field]) {
      const key = normaliseHeader(alias);
      const taken = lookup.get(key);
      if (taken !== undefined && taken !== field) {
        throw new Error(`the header alias "${alias}" names both ${taken} and ${field}`);
      }
      lookup.set(key, field);
    }
  }
  const fieldOf = (cell: string): F | undefined => {
    const key = normaliseHeader(cell);
    if (key === '') return undefined;
    return lookup.get(key) ?? lookup.get(withoutTrailingNote(key));
  };
  return {
    fields,
    fieldOf,
    aliasesOf: (field) => aliases[field],
    match(cells, required = []) {
      const columns: Partial<Record<F, number>> = {};
      const ignored: string[] = [];
      const duplicated = new Set<F>();
      cells.forEach((cell, index) => {
        const field = fieldOf(cell);
        if (field === undefined) {
          if (cell.trim()) ignored.push(cell.trim());
        } else if (columns[field] !== undefined) duplicated.add(field);
        else columns[field] = index;
      });
      return {
        columns,
        ignored,
        missing: required.filter((f) => columns[f] === undefined),
        duplicated: [...duplicated],
      };
    },
  };
}

/** Title rows a sheet may carry above its header (a county's name, the form's title, a date, notes). */
export const MAX_TITLE_ROWS = 10;

export interface HeaderRow {
  line: number;
  cells: readonly string[];
}

export interface FoundHeader<F extends string> {
  /** Index of the header among the rows given. */
  index: number;
  line: number;
  cells: readonly string[];
  match: HeaderMatch<F>;
}

export const isBlankRow = (cells: readonly string[]): boolean => cells.every((cell) => cell.trim() === '');

/**
 * The header among the first rows of a file: the first row naming every required field, looked
 * for below up to MAX_TITLE_ROWS title rows (often one cell merged across the sheet). Without one,
 * the row naming the most fields, or the first non-blank row, so its missing columns can be named
 * with its line. Undefined when every row given is blank.
 */
export function findHeader<F extends string>(
  rows: readonly HeaderRow[],
  matcher: HeaderMatcher<F>,
  required: readonly F[] = [],
): FoundHeader<F> | undefined {
  let best: FoundHeader<F> | undefined;
  let bestCount = -1;
  let seen = 0;
  for (let index = 0; index < rows.length && seen <= MAX_TITLE_ROWS; index++) {
    const row = rows[index] as HeaderRow;
    if (isBlankRow(row.cells)) continue;
    seen++;
    const match = matcher.match(row.cells, required);
    const found = { index, line: row.line, cells: row.cells, match };
    if (match.missing.length === 0 && Object.keys(match.columns).length > 0) return found;
    const count = Object.keys(match.columns).length;
    if (count > bestCount) {
      best = found;
      bestCount = count;
    }
  }
  return best;
}

/**
 * `matcher` as findHeader uses it, remembering the row that named the most fields (the first of
 * equals), so a refusal for missing columns can show the header it read.
 */
export function watchHeaderRows<F extends string>(
  matcher: HeaderMatcher<F>,
): { matcher: HeaderMatcher<F>; read(): readonly string[] } {
  let best: { cells: readonly string[]; count: number } | undefined;
  const watched: HeaderMatcher<F> = {
    ...matcher,
    match(cells, required) {
      const match = matcher.match(cells, required);
      const count = Object.keys(match.columns).length;
      if (!best || count > best.count) best = { cells: [...cells], count };
      return match;
    },
  };
  return { matcher: watched, read: () => best?.cells ?? [] };
}
