import { readCsvTable, type TextEncoding } from '@rmi/ingest';
import { checkRegionRows, type RegionIssue, type RegionRow } from './regions.js';

/** Header names accepted for each column, as county staff and other systems label them. */
export const REGION_CSV_ALIASES = {
  code: ['code', '区划代码', '代码', '编码'],
  name: ['name', '名称', '区划名称'],
  parent_code: ['parent_code', 'parent', '上级代码', '上级编码', '上级区划代码'],
};

export interface ParsedRegionCsv {
  /** The rows without complaints; import nothing while `errors` is non-empty. */
  rows: RegionRow[];
  errors: RegionIssue[];
  encoding: TextEncoding;
}

/**
 * Reads an uploaded region file (UTF-8 with or without BOM, or GB18030; title rows above the
 * header allowed) with @rmi/ingest and reports every bad row with its line. Whether parents exist
 * in the database is left to importRegions.
 */
export function parseRegionCsv(buf: Buffer): ParsedRegionCsv {
  const table = readCsvTable(buf, REGION_CSV_ALIASES);
  if (table.errors.length > 0) {
    const errors = table.errors.map(({ line, column, code, message }) => ({
      line,
      field: column,
      code: code.toLowerCase(),
      message,
    }));
    return { rows: [], errors, encoding: table.encoding };
  }
  const rows = table.rows.map(({ line, values }) => ({
    line,
    code: values.code,
    name: values.name,
    parent_code: values.parent_code || null,
  }));
  const errors = checkRegionRows(rows);
  const badLines = new Set(errors.map((e) => e.line));
  return { rows: rows.filter((r) => !badLines.has(r.line)), errors, encoding: table.encoding };
}
