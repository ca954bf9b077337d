// `pnpm boundaries`: the import rules of .dependency-cruiser.cjs over packages/ and services/, then
// the scan that holds reporting to the other services' published views. Exits 1 on any violation.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { scanReportingSql } from './lib/reporting-sql.js';

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

const findings = await scanReportingSql(path.join(root, 'services', 'reporting', 'src'), root);
for (const f of findings) {
  console.log(
    `  error reporting-reads-views-only: ${f.file}:${f.line} names ${f.name}, not a published view (v_…) of its service`,
  );
}
console.log(
  findings.length === 0
    ? '✔ reporting names other schemas only through their views'
    : `x ${findings.length} name(s) of another service's tables in reporting`,
);

process.exit(importsOk && findings.length === 0 ? 0 : 1);
