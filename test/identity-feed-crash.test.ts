// A department's list is applied in one transaction (contracts/identity-feeds.md, "Posting a
// batch"): subsidy-identity killed with SIGKILL once the batch's spells, events and status are
// written leaves the roster as it was, and once restarted the same file applies in full.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '@rmi/db';
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
import { holdOpen, kill9, launch, sessionsEnded, sessionsOf, since, statementAtWork, stop } from './helpers/faults.js';
import type { RunningService } from './helpers/services.js';

// A few thousand rows are enough: the kill lands at a point the test holds the batch at (see
// below), not at a moment a big file's writing happens to last.
const FIRST = 2_000;
const SECOND = 5_000;
/** Every pool subsidy-identity opens: its requests, its feed batches, rosters and deaths. */
const POOLS = ['subsidy-identity', 'identity-feed', 'identity-roster', 'identity-deaths'] as const;

const started = performance.now();
const tdb = await createTestDatabase();
const dir = await mkdtemp(path.join(tmpdir(), 'rmi-feed-crash-'));
const running: RunningService[] = [];
t.teardown(async () => {
  for (const s of running) await stop(s);
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
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
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
  // The next month: the first list's people, 1% of them gone and 1% moved, and more newly certified.
  await writeCsvFile(
    second,
    snapshotRows({ count: SECOND, villages, seed: 4, turnover: { removed: 0.01, moved: 0.01 }, tally }),
  );

  let service = await launch('subsidy-identity', tdb.url);
  running.push(service);
  const applied = await post(service.url, first, '2025-01');
  t.equal(applied.status, 201, JSON.stringify(applied.body));
  const before = await roster();
  t.equal(before?.current, FIRST);

  // The audit row is the last write of the applying transaction (the change runner inserts it
  // into core.audit_log after the batch's work returned): by then the spells are ended, replaced
  // and added, their identity.outbox events written and the batch row reads `applied`, all
  // uncommitted. The test's lock on core.audit_log holds the batch right there, on any machine.
  const hold = await holdOpen(db, (trx) => sql`lock table core.audit_log in share mode`.execute(trx));
  const posted = performance.now();
  const posting = post(service.url, second, '2025-02').catch((err: Error) => err);
  // An answer before the batch waits on the lock is a failure of the set-up: shown, not waited out.
  const answered = posting.then((a) => {
    throw new Error(`answered before the batch reached its audit row: ${JSON.stringify(a).slice(0, 500)}`);
  });
  answered.catch(() => {}); // once killed, the request ends too: only the race reads it
  const at = await Promise.race([
    statementAtWork(
      db,
      'the batch writing its audit row, all its changes written',
      '^\\s*insert into "core"\\."audit_log"',
      {
        lockOn: 'core.audit_log',
      },
    ),
    answered,
  ]).catch(async (err) => {
    await hold.release();
    throw err;
  });
  // The tables the waiting transaction has written (a write lock is held to its end): the set-up's
  // check that the kill lands after the batch's changes, not before them.
  const { rows: written } = await sql<{ relation: string }>`select l.relation::regclass::text as relation
    from pg_locks l where l.pid = ${at.pid} and l.granted and l.mode = 'RowExclusiveLock'
      and l.relation in ('identity.spells'::regclass, 'identity.outbox'::regclass, 'identity.batches'::regclass)
    order by 1`.execute(db);
  const pids = await sessionsOf(db, POOLS);
  await kill9(service);
  running.splice(running.indexOf(service), 1);
  const killedAt = since(posted);
  await hold.release();
  t.comment(
    `killed subsidy-identity ${killedAt} ms into the post of ${SECOND} rows, during: ${at.query.replace(/\s+/g, ' ').trim().slice(0, 50)}…`,
  );
  t.same(
    written.map((r) => r.relation),
    ['identity.batches', 'identity.outbox', 'identity.spells'],
    'killed with the batch’s spells, events and status written, uncommitted',
  );
  t.type(await posting, Error, 'the department’s upload ends without an answer');

  // The server notices the dead client and rolls its transaction back.
  await sessionsEnded(db, pids);
  t.same(await roster(), before, 'the roster is exactly as it was before the killed batch');
  const batches = await db.selectFrom('identity.batches').select(['period', 'status']).orderBy('created_at').execute();
  t.notOk(
    batches.some((b) => b.period === '2025-02' && b.status === 'applied'),
    'no batch of 2025-02 reads as applied',
  );

  service = await launch('subsidy-identity', tdb.url);
  running.push(service);
  const again = await post(service.url, second, '2025-02');
  t.equal(again.status, 201, JSON.stringify(again.body));
  const rows = tally.kept + tally.moved + tally.added;
  t.equal(again.body.counts.errors, 0);
  t.ok(
    (again.body.counts.removed ?? 0) > 0 && (again.body.counts.moved ?? 0) > 0,
    'people of the first list left and moved',
  );
  t.equal((await roster())?.current, rows, 'every row of the file is a current spell after the restart');
  t.comment(`re-post applied ${rows} current spells; file took ${since(started)} ms`);
});
