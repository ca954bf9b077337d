// Civil affairs' complete list of a county, a million people, posted as a monthly snapshot through
// POST /v1/feeds/civil-affairs/batches, then next month's list (the same size, 5% of its rows
// changed: 2% gone, as many new, 1% moved to another village), each against the floor of a raw
// COPY of the same file into an unindexed table of text columns, timed in the same run before and
// after the posts (the mean taken, so a machine whose speed drifts weighs on both sides alike).
// Goals: the first snapshot within 15× its COPY, the second within 6× (it must touch only what
// changed), and the service's process under 300 MB of RSS (the file streams through).
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { poolOf } from '@rmi/db';
import { createTestKey } from '@rmi/service-kit';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  DEMO_COUNTY,
  demoVillages,
  type SnapshotTally,
} from '../../services/subsidy-identity/test/fixtures/feed-rows.js';
import { type BenchContext, resultLine, table } from '../harness.js';
import { startSubsidyIdentity } from './server.js';
import { traceStatements } from './trace.js';

const execFileAsync = promisify(execFile);
const POSTER = new URL('./post.mjs', import.meta.url).pathname;
const GENERATOR = new URL('./generate.ts', import.meta.url).pathname;

const NAME = 'identity-feed';
const FIRST_GOAL = 15;
const SECOND_GOAL = 6;
const RSS_GOAL_MB = 300;
const SEED = 2025;
const PERIODS = ['2025-01', '2025-02'] as const;

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
  await client.query(
    'create table bench_raw (id_number text, name text, identity text, township text, village text, certified_on text)',
  );
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

interface Posted {
  seconds: number;
  peakRss: number;
  startRss: number;
  status: number;
  body: { status?: string; rows?: number; counts?: Record<string, number>; [key: string]: unknown };
}

/** One snapshot posted from a child process, the RSS of this process (the service's) sampled meanwhile. */
async function post(base: string, authorization: string, file: string, period: string): Promise<Posted> {
  const startRss = process.memoryUsage().rss;
  let peakRss = startRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  try {
    const t0 = performance.now();
    const sent = await execFileAsync(
      process.execPath,
      [POSTER, `${base}/v1/feeds/civil-affairs/batches?mode=snapshot&period=${period}`, file, 'text/csv'],
      { env: { ...process.env, BENCH_AUTHORIZATION: authorization }, maxBuffer: 16 << 20 },
    );
    const seconds = (performance.now() - t0) / 1000;
    const answer = JSON.parse(sent.stdout) as { status: number; body: Posted['body'] };
    return { seconds, peakRss: Math.max(peakRss, process.memoryUsage().rss), startRss, ...answer };
  } finally {
    clearInterval(sampler);
  }
}

/** The answer must be the batch applied with exactly the changes the file was made with. */
function check(posted: Posted, expected: Record<string, number>, what: string): void {
  const counts = posted.body.counts ?? {};
  const wrong = Object.entries(expected).filter(([k, v]) => counts[k] !== v);
  if (posted.status !== 201 || posted.body.status !== 'applied' || wrong.length > 0) {
    throw new Error(
      `${what} answered ${posted.status} ${posted.body.status ?? ''}, expected applied with ${JSON.stringify(expected)}: ` +
        JSON.stringify(posted.body).slice(0, 1500),
    );
  }
}

export default async function identityFeed({ url, db }: BenchContext): Promise<void> {
  const rows = rowsWanted();
  const dir = await mkdtemp(path.join(tmpdir(), 'rmi-bench-'));
  const files = [path.join(dir, 'civil-affairs-2025-01.csv'), path.join(dir, 'civil-affairs-2025-02.csv')] as const;
  try {
    const villages = await demoVillages(db, DEMO_COUNTY);
    // The county's civil affairs bureau: its key may name only villages of its county.
    const key = await createTestKey(db, 'department-feed', { department: 'civil-affairs', regionCode: DEMO_COUNTY });

    const g0 = performance.now();
    const made = await execFileAsync(
      process.execPath,
      ['--conditions=rmi-source', '--import', 'tsx', GENERATOR, files[0], files[1], String(rows), String(SEED)],
      { env: { ...process.env, BENCH_VILLAGES: JSON.stringify(villages) } },
    );
    const tally = JSON.parse(made.stdout) as SnapshotTally;
    const generated = (performance.now() - g0) / 1000;
    console.error(`# ${rows} rows a file, generated in ${generated.toFixed(1)} s; raw COPY floors next`);
    // Rows without a date start on the period's first day in either month, so they are unchanged.
    const expected = [
      { added: rows, removed: 0, moved: 0, changed: 0, errors: 0 },
      { added: tally.added, removed: tally.removed, moved: tally.moved, changed: 0, unchanged: tally.kept, errors: 0 },
    ];

    const client = await poolOf(db).connect();
    const raw: [number[], number[]] = [[], []];
    try {
      raw[0].push(await rawCopy(client, files[0]));
      raw[1].push(await rawCopy(client, files[1]));
    } finally {
      client.release();
    }

    console.error(`# raw COPY: ${raw[0][0]?.toFixed(2)} s, ${raw[1][0]?.toFixed(2)} s`);
    const explain = process.env.BENCH_EXPLAIN ? new RegExp(process.env.BENCH_EXPLAIN) : undefined;
    const trace = process.env.BENCH_TRACE || explain ? traceStatements(poolOf(db), explain) : undefined;
    // Tracing also turns the service's log on: each batch logs the milliseconds of its phases.
    const server = await startSubsidyIdentity(url, trace ? 'info' : 'silent');
    const posted: Posted[] = [];
    try {
      for (const [i, file] of files.entries()) {
        await poolOf(db)
          .query('checkpoint')
          .catch(() => {});
        console.error(`# posting the snapshot of ${PERIODS[i]}`);
        const answer = await post(server.url, key.headers.authorization, file, PERIODS[i] as string);
        check(answer, expected[i] as Record<string, number>, `the ${i === 0 ? 'first' : 'second'} snapshot`);
        posted.push(answer);
        for (const t of trace?.take().slice(0, 15) ?? []) {
          console.error(
            `#   ${(t.ms / 1000).toFixed(2).padStart(7)} s ${String(t.count).padStart(5)}×  ${t.statement}`,
          );
        }
      }
    } finally {
      await server.close();
    }

    const after = await poolOf(db).connect();
    try {
      raw[0].push(await rawCopy(after, files[0]));
      raw[1].push(await rawCopy(after, files[1]));
    } finally {
      after.release();
    }

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const floors = [mean(raw[0]), mean(raw[1])] as const;
    const [one, two] = posted as [Posted, Posted];
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
    const line = (what: string, s: number) => [what, s.toFixed(2), (rows / s).toFixed(0)];
    const size = (await stat(files[0])).size;
    console.log(
      `${rows} rows, ${mb(size)} MB of GB18030 CSV (Chinese headers, villages by name, ${villages.length} villages of ${DEMO_COUNTY}), ` +
        `generated in ${generated.toFixed(1)} s; next month: ${tally.removed} gone, ${tally.added} new, ${tally.moved} moved, ${tally.kept} as before\n`,
    );
    console.log(
      table(
        ['path', 'seconds', 'rows/s'],
        [
          line(`raw COPY of ${PERIODS[0]} into an unindexed table (mean of 2)`, floors[0]),
          line(`POST snapshot ${PERIODS[0]} (${one.body.counts?.added} added)`, one.seconds),
          line(`raw COPY of ${PERIODS[1]} into an unindexed table (mean of 2)`, floors[1]),
          line(`POST snapshot ${PERIODS[1]} (5% changed)`, two.seconds),
        ],
      ),
    );
    console.log(
      `\nraw COPY runs: ${raw.map((r) => r.map((s) => s.toFixed(2)).join(' / ')).join('; ')} s (before / after the posts)`,
    );
    console.log(
      `peak RSS of the service’s process: ${mb(one.peakRss)} MB during the first snapshot, ${mb(two.peakRss)} MB during the second ` +
        `(${mb(one.startRss)} MB before; goal < ${RSS_GOAL_MB} MB)`,
    );
    console.log(`first snapshot: ${one.seconds.toFixed(2)} s; second snapshot: ${two.seconds.toFixed(2)} s`);
    console.log('');
    console.log(resultLine(`${NAME} second snapshot`, two.seconds / floors[1], '<=', SECOND_GOAL));
    console.log(resultLine(NAME, one.seconds / floors[0], '<=', FIRST_GOAL));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
