import { CsvSyntaxError, decodeText, parseCsv, type TextEncoding } from '../tabular.js';
import { checkRegionRows, type RegionIssue, type RegionRow } from './regions.js';

/** Header names accepted for each column, as county staff and other systems label them. */
export const REGION_CSV_ALIASES = {
  code: ['code', '区划代码', '代码', '编码'],
  name: ['name', '名称', '区划名称'],
  parent_code: ['parent_code', 'parentcode', 'parent', '上级代码', '上级编码'],
};

export interface ParsedRegionCsv {
  /** The rows without complaints; import nothing while `errors` is non-empty. */
  rows: RegionRow[];
  errors: RegionIssue[];
  encoding: TextEncoding;
}

/**
 * Reads an uploaded region file (UTF-8 with or without BOM, or GB18030) and reports every bad row
 * with its line. Whether parents exist in the database is left to importRegions.
 */
export function parseRegionCsv(buf: Buffer): ParsedRegionCsv {
  const { text, encoding } = decodeText(buf);
  let parsed: ReturnType<typeof parseCsv<keyof typeof REGION_CSV_ALIASES>>;
  try {
    parsed = parseCsv(text, REGION_CSV_ALIASES);
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    return {
      rows: [],
      errors: [{ line: err.line, field: 'file', code: 'malformed_csv', message: err.message }],
      encoding,
    };
  }

  if (parsed.missingColumns.length > 0) {
    const errors = parsed.missingColumns.map((field) => ({
      line: Math.max(parsed.headerLine, 1),
      field,
      code: 'missing_column',
      message: `no column for ${field}; the header may name it ${REGION_CSV_ALIASES[field].join(', ')}`,
    }));
    return { rows: [], errors, encoding };
  }
  if (parsed.rows.length === 0) {
    return {
      rows: [],
      errors: [
        { line: Math.max(parsed.headerLine, 1), field: 'file', code: 'no_rows', message: 'the file has no rows' },
      ],
      encoding,
    };
  }

  const rows = parsed.rows.map(({ line, values }) => ({
    line,
    code: values.code,
    name: values.name,
    parent_code: values.parent_code || null,
  }));
  const errors = checkRegionRows(rows);
  const badLines = new Set(errors.map((e) => e.line));
  return { rows: rows.filter((r) => !badLines.has(r.line)), errors, encoding };
}
