// `pnpm boundaries`: the import rules of .dependency-cruiser.cjs over packages/ and services/, then
// the scan that holds each service to the other services' published views. Exits 1 on any violation.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { OWN_SCHEMAS, othersOf, scanServiceSql } from './lib/service-sql.js';

const root = path.resolve(import.meta.dirname, '..');

const cruiser = spawnSync(
  process.execPath,
  [
    path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'),
    '--config',
    '.dependency-cruiser.cjs',
    'packages',
    'services',
  ],
  { cwd: root, stdio: 'inherit' },
);
const importsOk = cruiser.status === 0;

const findings = [];
for (const service of Object.keys(OWN_SCHEMAS)) {
  const dir = path.join(root, 'services', service, 'src');
  for (const f of await scanServiceSql(dir, othersOf(service), root)) {
    findings.push(f);
    console.log(
      `  error reads-views-only: ${f.file}:${f.line} names ${f.name}, not a published view (v_…) of another service`,
    );
  }
}
console.log(
  findings.length === 0
    ? "✔ every service names other services' schemas only through their views"
    : `x ${findings.length} name(s) of another service's tables`,
);

process.exit(importsOk && findings.length === 0 ? 0 : 1);
