// A county's year of tax payments, BENCH_ROWS (or --rows N; a million by default) lines of the tax
// bureau's export as Excel saves it (GB18030, CRLF, Chinese headers with units), with reversals
// (冲正, 1 in 100 payments) and lines repeated (1 in 200), posted to POST /v1/payment-imports
// against the floor of a raw COPY of the same file into an unindexed table of text columns, timed
// in the same run before and after the post (the mean taken, so a machine whose speed drifts
// weighs on both sides alike). Goals: the import within 15× the COPY, and the service's process
// under 300 MB of RSS (the file streams through).
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { poolOf } from '@rmi/db';
import { createTestKey } from '@rmi/service-kit';
import { sql } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { BenchTally } from '../../services/payment-reconciliation/test/fixtures/tax-export.js';
import { type BenchContext, resultLine, table } from '../harness.js';
import { traceStatements } from '../identity-feed/trace.js';
import { startPaymentReconciliation } from './server.js';

const execFileAsync = promisify(execFile);
const POSTER = new URL('./post.mjs', import.meta.url).pathname;
const GENERATOR = new URL('./generate.ts', import.meta.url).pathname;

const NAME = 'payment-import';
const GOAL = 15;
const RSS_GOAL_MB = 300;
const YEAR = 2025;
const COUNTY = '500230';

/** `--rows N` after the benchmark's name, else BENCH_ROWS, else a million. */
function rowsWanted(): number {
  const at = process.argv.indexOf('--rows');
  const raw = at > 0 ? process.argv[at + 1] : process.env.BENCH_ROWS;
  const rows = Number(raw ?? 1_000_000);
  if (!Number.isInteger(rows) || rows < 100)
    throw new Error(`--rows must be a whole number of at least 100, got ${raw}`);
  return rows;
}

/** The floor: the file's bytes into a table of text columns, no index, the encoding converted as ours must. */
async function rawCopy(client: pg.PoolClient, file: string): Promise<number> {
  const columns = Array.from({ length: 13 }, (_, i) => `c${i} text`).join(', ');
  await client.query(`create table bench_raw (${columns})`);
  try {
    await client.query('checkpoint').catch(() => {});
    const t0 = performance.now();
    await pipeline(
      createReadStream(file),
      client.query(copyFrom("copy bench_raw from stdin with (format csv, header true, encoding 'GB18030')")),
    );
    return (performance.now() - t0) / 1000;
  } finally {
    await client.query('drop table bench_raw');
  }
}

/**
 * What writing the import's rows costs by itself: the payments and events it recorded, copied
 * into a table shaped as payment.payments (its indexes, checks, defaults and foreign keys) and one
 * shaped as payment.outbox, in one transaction, rolled back. No importer can record those rows
 * faster on this schema; printed for comparison, not the goal's measure.
 */
async function writesAlone(client: pg.PoolClient, importId: string): Promise<number> {
  await client.query('begin');
  try {
    await client.query(`create table bench_payments (like payment.payments including all);
      alter table bench_payments add foreign key (channel) references payment.channels (code),
        add foreign key (import_id) references payment.imports (id);
      create table bench_outbox (like payment.outbox including all)`);
    await client.query('checkpoint').catch(() => {});
    const t0 = performance.now();
    await client.query('insert into bench_payments select * from payment.payments where import_id = $1 order by id', [
      importId,
    ]);
    await client.query(
      `insert into bench_outbox (topic, payload) select topic, payload from payment.outbox
       where payload ->> 'paymentId' like $1 || ':%' order by id`,
      [importId],
    );
    return (performance.now() - t0) / 1000;
  } finally {
    await client.query('rollback');
  }
}

interface Posted {
  seconds: number;
  peakRss: number;
  startRss: number;
  status: number;
  body: { status?: string; rows?: number; counts?: Record<string, number>; [key: string]: unknown };
}

/** The export posted from a child process, the RSS of this process (the service's) sampled meanwhile. */
async function post(base: string, authorization: string, file: string): Promise<Posted> {
  const startRss = process.memoryUsage().rss;
  let peakRss = startRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  try {
    const t0 = performance.now();
    const sent = await execFileAsync(
      process.execPath,
      [POSTER, `${base}/v1/payment-imports?source=tax&year=${YEAR}&fileName=tax-export.csv`, file, 'text/csv'],
      { env: { ...process.env, BENCH_AUTHORIZATION: authorization }, maxBuffer: 16 << 20 },
    );
    const seconds = (performance.now() - t0) / 1000;
    const answer = JSON.parse(sent.stdout) as { status: number; body: Posted['body'] };
    return { seconds, peakRss: Math.max(peakRss, process.memoryUsage().rss), startRss, ...answer };
  } finally {
    clearInterval(sampler);
  }
}

export default async function paymentImport({ url, db }: BenchContext): Promise<void> {
  const rows = rowsWanted();
  const dir = await mkdtemp(path.join(tmpdir(), 'rmi-bench-'));
  const file = path.join(dir, 'tax-export.csv');
  try {
    const { rows: villageRows } = await sql<{ code: string }>`
      select code from core.regions where level = 'village' and code like ${`${COUNTY}%`} order by code`.execute(db);
    const villages = villageRows.map((r) => r.code);
    // The county's tax bureau: its key may import rows of its county only.
    const key = await createTestKey(db, 'department-feed', { department: 'tax', regionCode: COUNTY });

    const g0 = performance.now();
    const made = await execFileAsync(
      process.execPath,
      ['--conditions=rmi-source', '--import', 'tsx', GENERATOR, file, String(rows), String(YEAR)],
      { env: { ...process.env, BENCH_VILLAGES: JSON.stringify(villages) } },
    );
    const tally = JSON.parse(made.stdout) as BenchTally;
    const generated = (performance.now() - g0) / 1000;
    console.error(`# ${rows} rows generated in ${generated.toFixed(1)} s; raw COPY floor next`);

    const raw: number[] = [];
    const before = await poolOf(db).connect();
    try {
      raw.push(await rawCopy(before, file));
    } finally {
      before.release();
    }
    console.error(`# raw COPY: ${raw[0]?.toFixed(2)} s; posting the export`);

    // BENCH_TRACE / BENCH_EXPLAIN as in bench/identity-feed: the statements' times (and plans) on stderr.
    const explain = process.env.BENCH_EXPLAIN ? new RegExp(process.env.BENCH_EXPLAIN) : undefined;
    const trace = process.env.BENCH_TRACE || explain ? traceStatements(poolOf(db), explain) : undefined;
    const server = await startPaymentReconciliation(url, trace ? 'info' : 'silent');
    let posted: Posted;
    try {
      await poolOf(db)
        .query('checkpoint')
        .catch(() => {});
      posted = await post(server.url, key.headers.authorization, file);
      for (const t of trace?.take().slice(0, 15) ?? []) {
        console.error(`#   ${(t.ms / 1000).toFixed(2).padStart(7)} s ${String(t.count).padStart(5)}×  ${t.statement}`);
      }
    } finally {
      await server.close();
    }
    const expected = {
      new: tally.payments,
      reversals: tally.reversals,
      duplicateRows: tally.duplicates,
      unchanged: 0,
      parked: 0,
      errors: 0,
    };
    const counts = posted.body.counts ?? {};
    const wrong = Object.entries(expected).filter(([k, v]) => counts[k] !== v);
    if (posted.status !== 201 || posted.body.status !== 'applied' || wrong.length > 0) {
      throw new Error(
        `the import answered ${posted.status} ${posted.body.status ?? ''}, expected applied with ${JSON.stringify(expected)}: ` +
          JSON.stringify(posted.body).slice(0, 1500),
      );
    }

    const after = await poolOf(db).connect();
    let writes: number;
    try {
      raw.push(await rawCopy(after, file));
      writes = await writesAlone(after, String(posted.body.importId));
    } finally {
      after.release();
    }

    const floor = raw.reduce((a, b) => a + b, 0) / raw.length;
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
    const size = (await stat(file)).size;
    const line = (what: string, s: number) => [what, s.toFixed(2), (rows / s).toFixed(0)];
    console.log(
      `${rows} rows, ${mb(size)} MB of GB18030 CSV (the tax bureau's headers, ${villages.length} villages of ${COUNTY}): ` +
        `${tally.payments} payments, ${tally.reversals} reversals, ${tally.duplicates} lines repeated; generated in ${generated.toFixed(1)} s\n`,
    );
    console.log(
      table(
        ['path', 'seconds', 'rows/s'],
        [
          line('raw COPY into an unindexed table (mean of 2)', floor),
          line(`POST /v1/payment-imports (${counts.new} new, ${counts.reversals} reversals)`, posted.seconds),
          line('its payments and events alone, into copies of their tables', writes),
        ],
      ),
    );
    console.log(`\nraw COPY runs: ${raw.map((s) => s.toFixed(2)).join(' / ')} s (before / after the import)`);
    console.log(
      `peak RSS of the service’s process: ${mb(posted.peakRss)} MB during the import (${mb(posted.startRss)} MB before; goal < ${RSS_GOAL_MB} MB)`,
    );
    console.log(
      `writes alone: ${(writes / floor).toFixed(1)}× the raw COPY; the import ${(posted.seconds / writes).toFixed(2)}× its writes`,
    );
    console.log('');
    console.log(resultLine(NAME, posted.seconds / floor, '<=', GOAL));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
