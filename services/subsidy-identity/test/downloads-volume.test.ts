import { randomUUID } from 'node:crypto';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sql } from 'kysely';
import t from 'tap';
import { LIZI, setup, V } from './identities-setup.js';

// Large downloads stream: a roster of 300,000 people and a diff of 300,000 changes are read from
// the database a page at a time and written as they go, so the service's memory does not grow
// with them. The rows are made by SQL in the test's setup (posting 300,000 rows through the feed
// route would test the feed, not the download).

const PEOPLE = 300_000;
const { app, db, keys } = await setup(t);
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

// Setup, not the change path: one batch and its spells and changes, written straight into the tables.
const batchId = randomUUID();
await sql`
  insert into identity.batches (id, department, mode, period, period_start, status, content_sha256, format, rows, counts, applied_at)
  values (${batchId}::uuid, 'civil-affairs', 'snapshot', '2025-01', '2025-01-01', 'applied', 'volume', 'csv', ${PEOPLE}, '{}', now())`.execute(
  db,
);
const villages = [V.nanjiang, V.jianlong, '500230209203', '500230209204', '500230209206'];
await sql`
  insert into identity.spells (id_number, identity_code, department, region_code, name, valid_from, batch_id)
  select '500230' || lpad(g::text, 12, '0'), 'subsistence-allowance', 'civil-affairs',
         (${villages}::text[])[1 + g % 5], '姓名' || g, '2024-01-01', ${batchId}::uuid
  from generate_series(1, ${PEOPLE}) g`.execute(db);
await sql`
  insert into identity.batch_changes (batch_id, id_number, identity_code, change, name, line, after_village, after_from)
  select ${batchId}::uuid, '500230' || lpad(g::text, 12, '0'), 'subsistence-allowance', 'added', '姓名' || g, g + 1,
         (${villages}::text[])[1 + g % 5], '2024-01-01'
  from generate_series(1, ${PEOPLE}) g`.execute(db);
await sql`analyze identity.spells`.execute(db);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Memory still held (heap and buffers) after collecting twice. */
function held(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Reads a download to its end, counting lines and bytes and sampling the memory held as it goes. */
function download(path: string): Promise<{ status: number; lines: number; bytes: number; peak: number; last: string }> {
  return new Promise((resolve, reject) => {
    httpGet(`${base}${path}`, { headers: keys.civil.headers }, (res) => {
      let lines = 0;
      let bytes = 0;
      let peak = 0;
      let chunks = 0;
      let tail = '';
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        bytes += Buffer.byteLength(text);
        for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
        tail = (tail + text).slice(-400);
        if (++chunks % 128 === 0) peak = Math.max(peak, held());
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, lines, bytes, peak, last: tail }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

t.test('a roster of 300,000 people streams without holding them', async (t) => {
  const before = held();
  const got = await download(`/v1/rosters?regionCode=${LIZI}&year=2025&on=2025-03-01&format=csv`);
  t.equal(got.status, 200);
  // Header, 300,000 people, 2 rows per village (everyone, 低保) × 5, 2 for the township, 2 overall.
  t.equal(got.lines, 1 + PEOPLE + 10 + 2 + 2);
  t.match(got.last, /总计,低保对象,,[\d.]*,300000,300000,0,0,0,99,否/);
  const grown = (got.peak - before) / 1024 / 1024;
  t.ok(
    grown < 64,
    `memory held grew by ${grown.toFixed(1)} MB at most while ${(got.bytes / 1e6).toFixed(0)} MB went out`,
  );
});

t.test('a diff of 300,000 changes streams as JSON without holding them', async (t) => {
  const before = held();
  const got = await download(`/v1/feeds/batches/${batchId}/diff`);
  t.equal(got.status, 200);
  t.ok(got.bytes > 300_000 * 100, `${(got.bytes / 1e6).toFixed(0)} MB of JSON`);
  t.match(got.last, /"change":"added","line":300001,"before":null,"after":\{[^}]*\}\}\]\}$/);
  const grown = (got.peak - before) / 1024 / 1024;
  t.ok(grown < 64, `memory held grew by ${grown.toFixed(1)} MB at most`);
});
