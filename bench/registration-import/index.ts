// Bulk registration of generated persons from CSV through POST /v1/registration-imports, against
// a raw COPY of the same file into an unindexed table in the same run. Ratio: ours / COPY in
// seconds (goal <= 3). Also the peak RSS of the process while the import runs (goal < 300 MB):
// the file streams through, so memory must not grow with it.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { poolOf } from '@rmi/db';
import { checkCharacter } from '@rmi/rules';
import { createTestKey } from '@rmi/service-kit';
import { from as copyFrom } from 'pg-copy-streams';
import { request } from 'undici';
import { startEnrollment } from '../enrollment-server.js';
import { type BenchContext, resultLine, table } from '../harness.js';

const NAME = 'registration-import';
const GOAL = 3;
const RSS_GOAL_MB = 300;
const YEAR = 2025;

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英';

async function generate(file: string, rows: number, villages: string[]): Promise<void> {
  const out = createWriteStream(file);
  out.write('身份证号,姓名,村(社区)代码,档次,联系电话\n');
  let buffer = '';
  for (let i = 0; i < rows; i++) {
    // Unique by construction: a birth day per 1000 rows, a sequence number inside it.
    const day = new Date(Date.UTC(1950, 0, 1) + Math.floor(i / 1000) * 86_400_000);
    const birth = day.toISOString().slice(0, 10).replaceAll('-', '');
    const first17 = `500230${birth}${String(i % 1000).padStart(3, '0')}`;
    const name = `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 7) % GIVEN.length]}${GIVEN[(i * 13) % GIVEN.length]}`;
    buffer += `${first17}${checkCharacter(first17)},${name},${villages[i % villages.length]},${1 + (i % 2)},1380000${String(i % 10000).padStart(4, '0')}\n`;
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await new Promise<void>((r) => out.once('drain', () => r()));
      buffer = '';
    }
  }
  out.end(buffer);
  await finished(out);
}

export default async function registrationImport({ url, db }: BenchContext): Promise<void> {
  const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
  const dir = await mkdtemp(path.join(tmpdir(), 'rmi-bench-'));
  const file = path.join(dir, 'persons.csv');
  const villages = (
    await db
      .selectFrom('core.regions')
      .select('code')
      .where('level', '=', 'village')
      .where('code', 'like', '500230%')
      .execute()
  ).map((r) => r.code);
  await generate(file, rows, villages);
  const size = (await stat(file)).size;

  // Baseline: the same bytes into an unindexed table of text columns, as fast as PostgreSQL reads CSV.
  const client = await poolOf(db).connect();
  let copySeconds: number;
  try {
    await client.query('create table bench_raw (id text, name text, village text, tier text, phone text)');
    const t0 = performance.now();
    await pipeline(
      createReadStream(file),
      client.query(copyFrom('copy bench_raw from stdin with (format csv, header true)')),
    );
    copySeconds = (performance.now() - t0) / 1000;
  } finally {
    client.release();
  }

  const server = await startEnrollment(url);
  const admin = await createTestKey(db, 'admin');
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  let oursSeconds: number;
  let summary: Record<string, unknown>;
  try {
    const t0 = performance.now();
    // Answered once the file is received (a large import outlasts any request timeout); then polled.
    const res = await request(`${server.url}/v1/registration-imports?year=${YEAR}`, {
      method: 'POST',
      headers: { ...admin.headers, 'content-type': 'text/csv' },
      body: createReadStream(file),
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    summary = (await res.body.json()) as Record<string, unknown>;
    const location = `${server.url}${res.headers.location}`;
    while (res.statusCode === 202 && !['applied', 'rejected', 'failed'].includes(String(summary.status))) {
      await new Promise((r) => setTimeout(r, 100));
      const poll = await request(location, { headers: admin.headers });
      summary = (await poll.body.json()) as Record<string, unknown>;
    }
    oursSeconds = (performance.now() - t0) / 1000;
    if (summary.status !== 'applied' || summary.enrolmentsCreated !== rows) {
      throw new Error(`import answered ${res.statusCode}: ${JSON.stringify(summary).slice(0, 500)}`);
    }
  } finally {
    clearInterval(sampler);
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }

  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  console.log(`${rows} rows, ${mb(size)} MB of CSV, year ${YEAR}\n`);
  console.log(
    table(
      ['path', 'seconds', 'rows/s'],
      [
        ['raw COPY into an unindexed table', copySeconds.toFixed(2), (rows / copySeconds).toFixed(0)],
        [
          'POST /v1/registration-imports (persons + enrolments)',
          oursSeconds.toFixed(2),
          (rows / oursSeconds).toFixed(0),
        ],
      ],
    ),
  );
  console.log(`\npeak RSS of this process during the import: ${mb(peakRss)} MB (goal < ${RSS_GOAL_MB} MB)\n`);
  console.log(resultLine(NAME, oursSeconds / copySeconds, '<=', GOAL));
}
