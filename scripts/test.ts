// The whole suite on a real PostgreSQL: an embedded server under .data/ (or DATABASE_URL), one
// migrated and seeded template database, one clone per test file. Ends with `N passed, M failed`
// (`, K skipped` when tests could not run here, each named on a `skipped:` line just above).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  createDb,
  dropDatabase,
  EmbeddedPostgresError,
  listDatabases,
  prepareDatabase,
  recreateDatabase,
  startEmbeddedPostgres,
  TEST_ENV,
} from '@rmi/db';
import { createTapTally, summaryLine } from './lib/tap-tally.js';

const root = path.resolve(import.meta.dirname, '..');
const files = process.argv.slice(2);

async function main(): Promise<number> {
  const external = process.env.DATABASE_URL;
  const server = external
    ? { adminUrl: external, stop: async () => {} }
    : await startEmbeddedPostgres({ dataDir: path.join(root, '.data', 'pg-test'), disposable: true });
  console.log(`# database: ${external ? 'DATABASE_URL' : 'embedded PostgreSQL under .data/pg-test'}`);
  const prefix = 'rmi_test_';
  const template = `${prefix}${randomBytes(3).toString('hex')}`;
  try {
    // Earlier runs that were killed leave their clones behind on a persistent server.
    if (!external)
      for (const name of await listDatabases(server.adminUrl, prefix)) await dropDatabase(server.adminUrl, name);
    const url = await recreateDatabase(server.adminUrl, template);
    const db = createDb(url, { max: 2 });
    await prepareDatabase(db, { demoRegions: true });
    await db.destroy();
    return await runTap({
      ...process.env,
      [TEST_ENV.adminUrl]: server.adminUrl,
      [TEST_ENV.template]: template,
    });
  } finally {
    for (const name of await listDatabases(server.adminUrl, template)) await dropDatabase(server.adminUrl, name);
    await server.stop();
  }
}

/** Runs tap, echoing its TAP stream, and counts each file's own test points. */
function runTap(env: NodeJS.ProcessEnv): Promise<number> {
  const { parser, tally } = createTapTally();
  const tapBin = path.join(root, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tapBin, '--reporter=tap', ...files], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.pipe(parser);
    child.stdout.pipe(process.stdout);
    child.on('error', reject);
    child.on('close', (code) => {
      parser.end();
      for (const name of tally.skippedNames) console.log(`skipped: ${name}`);
      console.log(summaryLine(tally));
      resolve(code === 0 && tally.failed === 0 ? 0 : 1);
    });
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    // A setup problem with one known fix is one line, not a stack.
    console.error(err instanceof EmbeddedPostgresError ? `Cannot start the embedded PostgreSQL: ${err.message}` : err);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
