// Bulk registration of generated persons from CSV through POST /v1/registration-imports, against
// two floors measured in the same run: a raw COPY of the file into an unindexed table (how fast
// PostgreSQL reads CSV at all), and a COPY of the same rows, already in their final form, into
// enrollment.persons and enrollment.enrolments as shipped, with their keys, indexes and triggers
// (the least any importer must pay to write them). Ratio: ours / the final-tables COPY, in
// seconds (goal <= 1.5). Also the peak RSS of the service's process while the import runs (goal
// < 300 MB): the file streams through, so memory must not grow with it.
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { poolOf } from '@rmi/db';
import { checkCharacter } from '@rmi/rules';
import { createTestKey } from '@rmi/service-kit';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { request } from 'undici';
import { startEnrollment } from '../enrollment-server.js';
import { type BenchContext, resultLine, table } from '../harness.js';

const execFileAsync = promisify(execFile);
const UPLOADER = new URL('./upload.mjs', import.meta.url).pathname;

const NAME = 'registration-import';
const GOAL = 1.5;
const RSS_GOAL_MB = 300;
const YEAR = 2025;

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英';

interface Files {
  /** The upload, as a township office sends it. */
  upload: string;
  /** The same rows as enrollment.persons stores them. */
  persons: string;
  /** The same rows as enrollment.enrolments stores them. */
  enrolments: string;
}

/** A CSV file written in 64 KB pieces, waiting for the disk when it asks to. */
function csvFile(file: string) {
  const out = createWriteStream(file);
  let buffer = '';
  return {
    async write(line: string) {
      buffer += line;
      if (buffer.length > 1 << 16) {
        if (!out.write(buffer)) await new Promise<void>((r) => out.once('drain', () => r()));
        buffer = '';
      }
    },
    async end() {
      out.end(buffer);
      await finished(out);
    },
  };
}

async function generate(files: Files, rows: number, villages: string[], keyId: string): Promise<void> {
  const upload = csvFile(files.upload);
  const persons = csvFile(files.persons);
  const enrolments = csvFile(files.enrolments);
  await upload.write('身份证号,姓名,村(社区)代码,档次,联系电话\n');
  for (let i = 0; i < rows; i++) {
    // Unique by construction: a birth day per 1000 rows, a sequence number inside it.
    const day = new Date(Date.UTC(1950, 0, 1) + Math.floor(i / 1000) * 86_400_000).toISOString().slice(0, 10);
    const first17 = `500230${day.replaceAll('-', '')}${String(i % 1000).padStart(3, '0')}`;
    const id = `${first17}${checkCharacter(first17)}`;
    const name = `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 7) % GIVEN.length]}${GIVEN[(i * 13) % GIVEN.length]}`;
    const village = villages[i % villages.length] as string;
    const tier = 1 + (i % 2);
    const phone = `1380000${String(i % 10000).padStart(4, '0')}`;
    await upload.write(`${id},${name},${village},${tier},${phone}\n`);
    const sex = Number(id[16]) % 2 === 1 ? 'male' : 'female';
    await persons.write(`${id},${name},${sex},${day},${village},resident,${phone}\n`);
    await enrolments.write(`${id},${YEAR},${village},${tier},resident,${keyId}\n`);
  }
  await Promise.all([upload.end(), persons.end(), enrolments.end()]);
}

/**
 * Floor 2: the rows in their final form into the tables as shipped (keys, indexes, triggers),
 * then emptied again for whatever comes next.
 */
async function finalTables(client: pg.PoolClient, files: Files): Promise<{ persons: number; enrolments: number }> {
  const persons = await timed(
    client,
    files.persons,
    'copy enrollment.persons (id_number, name, sex, birth_date, hukou_region_code, category, phone) from stdin with (format csv)',
  );
  const enrolments = await timed(
    client,
    files.enrolments,
    'copy enrollment.enrolments (id_number, year, region_code, tier, category, created_by) from stdin with (format csv)',
  );
  await client.query('truncate enrollment.enrolments, enrollment.persons cascade');
  await client.query('vacuum analyze enrollment.persons, enrollment.enrolments');
  await client.query('checkpoint').catch(() => {});
  return { persons, enrolments };
}

async function timed(client: pg.PoolClient, file: string, copy: string): Promise<number> {
  // Each floor starts from a clean slate: no dirty pages of the step before to write out.
  await client.query('checkpoint').catch(() => {});
  const t0 = performance.now();
  await pipeline(createReadStream(file), client.query(copyFrom(copy)));
  return (performance.now() - t0) / 1000;
}

export default async function registrationImport({ url, db }: BenchContext): Promise<void> {
  const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
  const dir = await mkdtemp(path.join(tmpdir(), 'rmi-bench-'));
  const files: Files = {
    upload: path.join(dir, 'persons.csv'),
    persons: path.join(dir, 'persons-final.csv'),
    enrolments: path.join(dir, 'enrolments-final.csv'),
  };
  const villages = (
    await db
      .selectFrom('core.regions')
      .select('code')
      .where('level', '=', 'village')
      .where('code', 'like', '500230%')
      .execute()
  ).map((r) => r.code);
  const admin = await createTestKey(db, 'admin');
  await generate(files, rows, villages, admin.id);
  const size = (await stat(files.upload)).size;

  const client = await poolOf(db).connect();
  let raw: number;
  const floors: Array<{ persons: number; enrolments: number }> = [];
  try {
    // Floor 1: the same bytes into an unindexed table of text columns, as fast as PostgreSQL reads CSV.
    await client.query('create table bench_raw (id text, name text, village text, tier text, phone text)');
    raw = await timed(client, files.upload, 'copy bench_raw from stdin with (format csv, header true)');
    await client.query('drop table bench_raw');
    floors.push(await finalTables(client, files));
  } finally {
    client.release();
  }
  const server = await startEnrollment(url);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  let oursSeconds: number;
  let summary: Record<string, unknown>;
  // When the upload was staged (the 202), and when the checks were done (status applying, polled).
  const phases: { received?: number; checked?: number } = {};
  try {
    const t0 = performance.now();
    // Answered once the file is received (a large import outlasts any request timeout); then polled.
    // The upload comes from another process, as it would from another machine.
    const sent = await execFileAsync(
      process.execPath,
      [UPLOADER, `${server.url}/v1/registration-imports?year=${YEAR}`, files.upload],
      { env: { ...process.env, BENCH_AUTHORIZATION: admin.headers.authorization }, maxBuffer: 1 << 20 },
    );
    const res = JSON.parse(sent.stdout) as { status: number; location: string; body: Record<string, unknown> };
    summary = res.body;
    phases.received = (performance.now() - t0) / 1000;
    const location = `${server.url}${res.location}`;
    while (res.status === 202 && !['applied', 'rejected', 'failed'].includes(String(summary.status))) {
      await new Promise((r) => setTimeout(r, 100));
      const poll = await request(location, { headers: admin.headers });
      summary = (await poll.body.json()) as Record<string, unknown>;
      if (summary.status === 'applying') phases.checked ??= (performance.now() - t0) / 1000;
    }
    oursSeconds = (performance.now() - t0) / 1000;
    if (summary.status !== 'applied' || summary.enrolmentsCreated !== rows) {
      throw new Error(`import answered ${res.status}: ${JSON.stringify(summary).slice(0, 500)}`);
    }
  } finally {
    clearInterval(sampler);
    await server.close();
  }

  // The floor again after the import, with the tables emptied: a machine whose speed drifts
  // during the run (other work, checkpoints) weighs on both sides alike.
  const after = await poolOf(db).connect();
  try {
    await after.query('truncate enrollment.enrolments, enrollment.persons cascade');
    floors.push(await finalTables(after, files));
  } finally {
    after.release();
    await rm(dir, { recursive: true, force: true });
  }
  const mean = (pick: (f: (typeof floors)[number]) => number) =>
    floors.reduce((n, f) => n + pick(f), 0) / floors.length;
  const persons = mean((f) => f.persons);
  const enrolments = mean((f) => f.enrolments);
  const floor = persons + enrolments;

  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  const line = (what: string, s: number) => [what, s.toFixed(2), (rows / s).toFixed(0)];
  console.log(`${rows} rows, ${mb(size)} MB of CSV, year ${YEAR}\n`);
  console.log(
    table(
      ['path', 'seconds', 'rows/s'],
      [
        line('raw COPY into an unindexed table', raw),
        line('COPY into enrollment.persons as shipped (mean of 2)', persons),
        line('COPY into enrollment.enrolments as shipped (mean of 2)', enrolments),
        line('both final-table COPYs (the floor)', floor),
        line('POST /v1/registration-imports (persons + enrolments)', oursSeconds),
      ],
    ),
  );
  if (phases.received !== undefined && phases.checked !== undefined) {
    const { received, checked } = phases;
    console.log(
      `\nof the import: ${received.toFixed(2)} s streaming into staging, ${(checked - received).toFixed(2)} s checking, ` +
        `${(oursSeconds - checked).toFixed(2)} s writing persons and enrolments (phases seen by polling every 0.1 s)`,
    );
  }
  console.log(`\npeak RSS of the service’s process during the import: ${mb(peakRss)} MB (goal < ${RSS_GOAL_MB} MB)`);
  console.log(`against the unindexed COPY: ratio ${(oursSeconds / raw).toFixed(2)}\n`);
  console.log(resultLine(NAME, oursSeconds / floor, '<=', GOAL));
}
