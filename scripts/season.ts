// `pnpm season [--persons 10000] [--seed 1] [--weeks 8] [--county 500230] [--keep]`: a county's
// season over the HTTP APIs of the four services, started here as real processes on a fresh
// database (DATABASE_URL's server, database rmi_season; else the embedded server under
// .data/pg-season). Prints the county's table and exits 0 only when every figure holds.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dropDatabase, type EmbeddedServer, recreateDatabase, startEmbeddedPostgres } from '@rmi/db';
import { dataDir } from './lib/database.js';
import { progressBar } from './lib/season/progress-bar.js';
import { runSeason } from './lib/season/run-season.js';
import type { ServiceSet } from './lib/service-processes.js';

const { values } = parseArgs({
  options: {
    persons: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    weeks: { type: 'string', default: '8' },
    county: { type: 'string', default: '500230' },
    keep: { type: 'boolean', default: false },
  },
});
const persons = Number(values.persons);
const weeks = Number(values.weeks);
if (!Number.isInteger(persons) || persons < 100) throw new Error('--persons: a whole number of at least 100');

const NAME = 'rmi_season';
let embedded: EmbeddedServer | null = null;
let services: ServiceSet | null = null;
let adminUrl = process.env.DATABASE_URL ?? '';
let stopping = false;

async function cleanUp(): Promise<void> {
  if (services) await services.stop();
  if (!values.keep && adminUrl) await dropDatabase(adminUrl, NAME).catch(() => {});
  if (embedded) await embedded.stop();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log('\nStopping …');
    void cleanUp().finally(() => process.exit(130));
  });
}

const started = Date.now();
let code = 1;
try {
  if (!adminUrl) {
    console.log('Starting the embedded PostgreSQL under .data/pg-season …');
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'pg-season'),
      port: 0,
      ownProcessGroup: true,
    });
    adminUrl = embedded.adminUrl;
  }
  const databaseUrl = await recreateDatabase(adminUrl, NAME);
  const result = await runSeason({
    databaseUrl,
    persons,
    weeks,
    seed: Number(values.seed),
    county: values.county,
    log: (line) => console.log(line),
    progress: progressBar(),
    onServices: (s) => {
      services = s;
    },
  });
  services = null;
  console.log(`\n${result.table}\n`);
  console.log('Timings:');
  for (const t of result.timings) console.log(`  ${t.step.padEnd(32)} ${t.seconds.toFixed(1).padStart(7)} s`);
  const parts = new Map<string, number>();
  for (const l of result.laps) {
    const part = l.step.replace(/^week \d+ /, '');
    parts.set(part, (parts.get(part) ?? 0) + l.seconds);
  }
  console.log(`  (of the weeks: ${[...parts].map(([p, s]) => `${p} ${s.toFixed(1)} s`).join(', ')})`);
  console.log(`  ${'total'.padEnd(32)} ${((Date.now() - started) / 1000).toFixed(1).padStart(7)} s`);
  console.log(
    `\n${result.persons} persons; ${result.notes.requestPayments} payments by request, ${result.notes.cashReceipts} cash receipts, ${result.notes.taxLines} tax lines; ${result.notes.reversals ?? 0} reversals, ${result.notes.duplicateRows ?? 0} repeated lines, ${result.notes.rejectedRows ?? 0} rejected registration rows, ${result.notes.heldBatches ?? 0} held feed batches.`,
  );
  if (result.ok) {
    console.log('Every figure checked holds.');
    code = 0;
  } else {
    console.log(`${result.mismatches.length} figures differ:`);
    for (const m of result.mismatches.slice(0, 200)) {
      console.log(`  ${m.where} · ${m.figure}: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.got)}`);
    }
  }
} catch (err) {
  console.error(err);
} finally {
  if (!stopping) await cleanUp();
}
process.exit(code);
