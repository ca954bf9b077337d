// Enrollment killed with SIGKILL while a registration import writes its persons
// (README "Bulk registration"): nothing of the file is registered, the import reads `failed` with
// IMPORT_INTERRUPTED once a service is back, and the same file uploaded again applies in full.
// Reporting runs as a process of its own and enrollment's outbox delivers to it throughout: after
// the re-upload its counters hold the file's enrolments exactly once.

import { waitFor } from '@rmi/outbox/testing';

import t from 'tap';
import { request } from 'undici';
import {
  countersCheck,
  deliveredOnce,
  faultRig,
  holdOpen,
  kill9,
  launch,
  perVillage,
  type Registrant,
  registered,
  registrants,
  registrationCsv,
  sessionsEnded,
  sessionsOf,
  since,
  statementAtWork,
  villageCounters,
  villagesOf,
} from './helpers/faults.js';

const TOWNSHIP = '500230209'; // 栗子乡
const YEAR = 2025;
const ROWS = 5_000;

const { started, tdb, db, running, admin, service, office } = await faultRig(TOWNSHIP);
const people = registrants(ROWS, await villagesOf(db, TOWNSHIP));
const ids = people.map((p) => p.idNumber);
const file = registrationCsv(people);

const reporting = await launch('reporting', tdb.url);
running.push(reporting);
const enrollmentEnv = { SERVICE_API_KEY: service.key, REPORTING_URL: reporting.url, OUTBOX_POLL_MS: '100' };

async function upload(url: string) {
  const res = await request(`${url}/v1/registration-imports?year=${YEAR}&wait=true&fileName=fault.csv`, {
    method: 'POST',
    headers: { ...office.headers, 'content-type': 'text/csv' },
    body: file,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

t.test(
  'killed while writing an import: nothing registered, reported interrupted, re-upload applies once',
  async (t) => {
    let enrollment = await launch('enrollment', tdb.url, enrollmentEnv);
    running.push(enrollment);
    t.comment(
      `file: ${ROWS} rows, ${Buffer.byteLength(file)} bytes, ${Object.keys(perVillage(people)).length} villages`,
    );

    // The file's last person registered through the API at that moment, not yet committed: the
    // import's insert writes every person before it in its transaction (in ID order), then waits
    // on that one, so the kill lands mid-write on any machine, whatever its speed.
    const last = [...people].sort((a, b) => a.idNumber.localeCompare(b.idNumber)).at(-1) as Registrant;
    const hold = await holdOpen(db, (trx) =>
      trx
        .insertInto('enrollment.persons')
        .values({
          id_number: last.idNumber,
          name: '居民',
          sex: Number(last.idNumber[16]) % 2 ? 'male' : 'female',
          birth_date: `${last.idNumber.slice(6, 10)}-${last.idNumber.slice(10, 12)}-${last.idNumber.slice(12, 14)}`,
          hukou_region_code: last.village,
          category: 'resident',
        })
        .execute(),
    );
    const uploadStarted = performance.now();
    const uploading = upload(enrollment.url).catch((err: Error) => err);
    const writing = await statementAtWork(
      db,
      'the import inserting persons, waiting on the last',
      '^\\s*insert into enrollment\\.persons',
      { waitingForLock: true },
    );
    const pids = await sessionsOf(db, ['enrollment', 'enrollment-import']);
    await kill9(enrollment);
    running.splice(running.indexOf(enrollment), 1);
    await hold.release();
    t.comment(
      `killed enrollment ${since(uploadStarted)} ms into the upload, ${ROWS - 1} persons written in its transaction, during: ${writing.query.replace(/\s+/g, ' ').trim().slice(0, 50)}…`,
    );
    t.type(await uploading, Error, 'the upload ends without an answer');

    await sessionsEnded(db, pids);
    t.same(await registered(db, ids, YEAR), { persons: 0, enrolments: 0 }, 'nobody of the file is registered');

    enrollment = await launch('enrollment', tdb.url, enrollmentEnv);
    running.push(enrollment);
    const list = await fetch(`${enrollment.url}/v1/registration-imports`, { headers: office.headers });
    const listed = (await list.json()) as Array<{ id: string; status: string; fileName: string | null }>;
    const [interrupted] = listed;
    t.match(listed, [{ status: 'failed', fileName: 'fault.csv' }], 'the killed import is listed, as failed');
    const read = await fetch(`${enrollment.url}/v1/registration-imports/${interrupted?.id}`, {
      headers: office.headers,
    });
    t.equal(read.status, 200);
    t.match(
      await read.json(),
      { status: 'failed', problem: { code: 'IMPORT_INTERRUPTED' }, personsCreated: null, enrolmentsCreated: null },
      'the interrupted import reads failed with IMPORT_INTERRUPTED',
    );

    const again = await upload(enrollment.url);
    t.equal(again.status, 200, JSON.stringify(again.body).slice(0, 300));
    t.match(again.body, { status: 'applied', rowsTotal: ROWS, personsCreated: ROWS, enrolmentsCreated: ROWS });
    t.same(await registered(db, ids, YEAR), { persons: ROWS, enrolments: ROWS }, 'every row of the file registered');

    // Reporting heard of the import once: one import.applied, the killed one's never existed.
    const delivery = await deliveredOnce(db, 'enrollment', 'enrollment');
    t.same(
      { missing: delivery.missing, extra: delivery.extra },
      { missing: [], extra: [] },
      'every event of enrollment’s outbox at reporting, once',
    );
    const applied = await db
      .selectFrom('reporting.received_events')
      .select('payload')
      .where('source', '=', 'enrollment')
      .where('topic', '=', 'import.applied')
      .execute();
    t.same(
      applied.map((e) => (e.payload as { importId: string }).importId),
      [again.body.id],
      'one import.applied, of the import that ran to the end',
    );
    const counters = await waitFor('the counters of the file’s villages', async () => {
      const c = await villageCounters(db, YEAR);
      return Object.values(c).reduce((a, b) => a + b, 0) === ROWS ? c : undefined;
    });
    t.same(counters, perVillage(people), 'each village counts its rows of the file, once');
    t.same(await countersCheck(reporting.url, admin.key), { equal: true, differences: [] }, 'the counters check clean');
    t.comment(
      `survived: 0 of ${ROWS} rows half-written; re-upload registered ${ROWS}; reporting received ${delivery.received} enrollment events for ${delivery.recorded} recorded; file took ${since(started)} ms`,
    );
  },
);
