// `pnpm bench <name>`: runs bench/<name>/index.ts against a fresh database `rmi_bench`, migrated and
// seeded with the demo regions, on the embedded PostgreSQL under .data/pg-bench or on the server of
// DATABASE_URL. `pnpm bench` alone lists the benchmarks. The benchmark's own output ends with its
// result line; everything the harness says goes to stderr, so stdout stays parseable.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createDb,
  EmbeddedPostgresError,
  type EmbeddedServer,
  prepareDatabase,
  recreateDatabase,
  startEmbeddedPostgres,
} from '@rmi/db';
import type { Benchmark } from '../bench/harness.js';

const root = path.resolve(import.meta.dirname, '..');
const benchDir = path.join(root, 'bench');
const DATABASE = 'rmi_bench';

async function benchmarks(): Promise<string[]> {
  const entries = await readdir(benchDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && existsSync(path.join(benchDir, e.name, 'index.ts')))
    .map((e) => e.name)
    .sort();
}

async function main(): Promise<number> {
  const names = await benchmarks();
  const name = process.argv[2];
  if (!name) {
    console.log(`Benchmarks (pnpm bench <name>; see bench/README.md):\n${names.map((n) => `  ${n}`).join('\n')}`);
    return 0;
  }
  if (!names.includes(name)) {
    console.error(`No benchmark ${name}. Known: ${names.join(', ') || 'none'}.`);
    return 1;
  }
  // Loaded before the database starts, so a benchmark that does not compile fails fast.
  const mod = (await import(pathToFileURL(path.join(benchDir, name, 'index.ts')).href)) as { default?: unknown };
  if (typeof mod.default !== 'function') {
    console.error(`bench/${name}/index.ts has no default export function.`);
    return 1;
  }
  const run = mod.default as Benchmark;

  const external = process.env.DATABASE_URL;
  let embedded: EmbeddedServer | null = null;
  try {
    // DATABASE_URL is used as the admin connection, as by the test runner: the benchmark gets its
    // own throw-away database next to the one named there and never writes keys into it.
    if (!external) embedded = await startEmbeddedPostgres({ dataDir: path.join(root, '.data', 'pg-bench') });
    const adminUrl = external ?? (embedded as EmbeddedServer).adminUrl;
    console.error(
      `# database: ${DATABASE} on ${external ? 'the DATABASE_URL server' : 'embedded PostgreSQL under .data/pg-bench'}`,
    );
    const url = await recreateDatabase(adminUrl, DATABASE);
    const db = createDb(url, { max: 4, applicationName: 'rmi-bench' });
    try {
      await prepareDatabase(db, { demoRegions: true });
      await run({ url, db });
    } finally {
      await db.destroy();
    }
    return 0;
  } finally {
    await embedded?.stop();
  }
}

// Exits explicitly: a benchmark's load generator may leave sockets or timers that would keep the
// process alive after its result is printed.
main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof EmbeddedPostgresError ? `Cannot start the embedded PostgreSQL: ${err.message}` : err);
    process.exit(1);
  },
);
