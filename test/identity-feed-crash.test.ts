// A department's list is applied in one transaction (contracts/identity-feeds.md, "Posting a
// batch"): subsidy-identity killed with SIGKILL while it writes the spells leaves the roster as it
// was, and once restarted the same file applies in full.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '@rmi/db';
import { waitFor } from '@rmi/outbox/testing';
import { createTestKey } from '@rmi/service-kit';
import { sql } from 'kysely';
import t from 'tap';
import { request } from 'undici';
import {
  demoVillages,
  type SnapshotTally,
  snapshotRows,
  writeCsvFile,
} from '../services/subsidy-identity/test/fixtures/feed-files.js';
import { startService } from './helpers/services.js';

const FIRST = 2_000;
const SECOND = 150_000;

const tdb = await createTestDatabase();
const dir = await mkdtemp(path.join(tmpdir(), 'rmi-feed-crash-'));
t.teardown(async () => {
  await rm(dir, { recursive: true, force: true });
  await tdb.destroy();
});
const db = tdb.db;
const villages = await demoVillages(db);
const civil = await createTestKey(db, 'department-feed', { department: 'civil-affairs' });

/** What a clerk would compare: every spell of the department as it stands, summed up. */
async function roster() {
  const { rows } = await sql<{ spells: number; current: number; digest: string | null }>`
    select count(*)::int as spells, count(*) filter (where current)::int as current,
           md5(string_agg(id_number || identity_code || region_code || valid_from || coalesce(valid_to::text, '')
               || current::text, ',' order by id_number, identity_code, valid_from)) as digest
    from identity.spells where department = 'civil-affairs'`.execute(db);
  return rows[0];
}

async function post(url: string, file: string, period: string) {
  const res = await request(`${url}/v1/feeds/civil-affairs/batches?mode=snapshot&period=${period}`, {
    method: 'POST',
    headers: { ...civil.headers, 'content-type': 'text/csv' },
    body: createReadStream(file),
    headersTimeout: 300_000,
    bodyTimeout: 300_000,
  });
  return {
    status: res.statusCode,
    body: (await res.body.json()) as { status: string; counts: Record<string, number> },
  };
}

t.test('killed while applying a snapshot: nothing half-written; after a restart the file applies', async (t) => {
  const first = path.join(dir, '2025-01.csv');
  await writeCsvFile(first, snapshotRows({ count: FIRST, villages, seed: 4 }));
  const second = path.join(dir, '2025-02.csv');
  const tally: SnapshotTally = { kept: 0, moved: 0, removed: 0, added: 0 };
  // The next month: the first list's people, 1% of them gone and 1% moved, and many more newly certified.
  await writeCsvFile(
    second,
    snapshotRows({ count: SECOND, villages, seed: 4, turnover: { removed: 0.01, moved: 0.01 }, tally }),
  );

  let service = await startService('subsidy-identity', tdb.url);
  const applied = await post(service.url, first, '2025-01');
  t.equal(applied.status, 201, JSON.stringify(applied.body));
  const before = await roster();
  t.equal(before?.current, FIRST);

  // Post the big list and kill the service once it is writing identity.spells.
  const posting = post(service.url, second, '2025-02').catch((err: Error) => err);
  await waitFor(
    'the batch writing identity.spells',
    async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and state = 'active' and pid <> pg_backend_pid()
          and query ~* '(insert into|update) identity\\.(spells|batch_changes)'`.execute(db);
      return (rows[0]?.n ?? 0) > 0;
    },
    120_000,
  );
  service.child.kill('SIGKILL');
  await service.exited;
  t.type(await posting, Error, 'the department’s upload ends without an answer');

  // The server notices the dead client and rolls its transaction back.
  await waitFor(
    'the killed service’s sessions to end',
    async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and application_name <> 'rmi-test'`.execute(db);
      return rows[0]?.n === 0;
    },
    60_000,
  );
  t.same(await roster(), before, 'the roster is exactly as it was before the killed batch');
  const batches = await db.selectFrom('identity.batches').select(['period', 'status']).orderBy('created_at').execute();
  t.notOk(
    batches.some((b) => b.period === '2025-02' && b.status === 'applied'),
    'no batch of 2025-02 reads as applied',
  );

  service = await startService('subsidy-identity', tdb.url);
  t.teardown(async () => {
    service.child.kill('SIGTERM');
    await service.exited;
  });
  const again = await post(service.url, second, '2025-02');
  t.equal(again.status, 201, JSON.stringify(again.body));
  const rows = tally.kept + tally.moved + tally.added;
  t.equal(again.body.counts.errors, 0);
  t.ok(
    (again.body.counts.removed ?? 0) > 0 && (again.body.counts.moved ?? 0) > 0,
    'people of the first list left and moved',
  );
  t.equal((await roster())?.current, rows, 'every row of the file is a current spell after the restart');
});
