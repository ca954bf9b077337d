// payment-reconciliation killed with SIGKILL mid tax import and mid reconciliation run (README
// "Payments and reconciliation"): an import is one transaction, so nothing of the file is recorded
// and, once a service is back, the import reads `failed` ("one left computing by a dead process
// reads failed"); a run is one transaction too, so no run and no item of it is stored. Both run
// again in full, the applier takes every payment to enrollment once, and the import's events reach
// reporting's counters once.

import { waitFor } from '@rmi/outbox/testing';
import { createTestKey } from '@rmi/service-kit';
import { sql } from 'kysely';
import t from 'tap';
import { request } from 'undici';
import { csvOf, TAX_HEADER, taxCells } from '../services/payment-reconciliation/test/fixtures/tax-export.js';
import {
  countersCheck,
  deliveredOnce,
  faultRig,
  holdOpen,
  kill9,
  launch,
  perVillage,
  registered,
  registrants,
  registrationCsv,
  sessionsEnded,
  sessionsOf,
  since,
  statementAtWork,
  villagesOf,
} from './helpers/faults.js';

const TOWNSHIP = '500230209'; // 栗子乡
const YEAR = 2025;
// Few enough for the applier to take them all to enrollment within the test: the kills do not
// depend on the file's size (a competing write holds the statement at work, see holdOpen).
const ROWS = 1_000;

const { started, tdb, db, running, admin, service, office } = await faultRig(TOWNSHIP);
const tax = await createTestKey(db, 'department-feed', { department: 'tax', regionCode: '500230' });
const people = registrants(ROWS, await villagesOf(db, TOWNSHIP), 100_000);

const voucherOf = (i: number) => `3${YEAR}5002300${String(i).padStart(10, '0')}`;
// The tax bureau's export: each person paid 400 yuan at a window in November 2024.
const taxFile = csvOf([
  [...TAX_HEADER],
  ...people.map((p, i) =>
    taxCells({
      voucher: voucherOf(i),
      paidAt: `2024-11-${String(1 + (i % 28)).padStart(2, '0')} 10:30:00`,
      idNumber: p.idNumber,
      amount: '400.00',
      region: p.village,
    }),
  ),
]);

const quick = {
  SERVICE_API_KEY: service.key,
  OUTBOX_POLL_MS: '100',
  APPLY_POLL_MS: '100',
  APPLY_RETRY_MS: '100',
  // A batch claimed when the process died (or the database went away) waits out this lease before it is sent again.
  APPLY_TIMEOUT_MS: '5000',
  // A loaded CI machine may take longer than the default 30 s over an upload and its import.
  REQUEST_TIMEOUT_MS: '120000',
};
const reporting = await launch('reporting', tdb.url);
running.push(reporting);
const enrollment = await launch('enrollment', tdb.url, { ...quick, REPORTING_URL: reporting.url });
running.push(enrollment);
const paymentEnv = { ...quick, ENROLLMENT_URL: enrollment.url, REPORTING_URL: reporting.url };
let payment = await launch('payment-reconciliation', tdb.url, paymentEnv);
running.push(payment);

/**
 * SIGKILL of payment-reconciliation once `pattern` waits on the lock `hold` keeps, with what the
 * statement's transaction wrote before it; `hold` is released after the kill. Returns once the
 * server has ended the dead service's sessions.
 */
async function killAt(
  what: string,
  pattern: string,
  waiting: { waitingForLock?: boolean; lockOn?: string },
  hold: { release(): Promise<void> },
  since0: number,
  sent: Promise<unknown>,
) {
  // An answer before the statement is at work is a failure of the test's set-up: shown, not waited out.
  const answered = sent.then((a) => {
    throw new Error(`answered before ${what}: ${JSON.stringify(a).slice(0, 500)}`);
  });
  answered.catch(() => {}); // once killed, the request ends too: only the race reads it
  const at = await Promise.race([statementAtWork(db, what, pattern, waiting), answered]).catch(async (err) => {
    await hold.release();
    throw err;
  });
  const pids = await sessionsOf(db, ['payment-reconciliation', 'payment-import']);
  await kill9(payment);
  running.splice(running.indexOf(payment), 1);
  const ms = since(since0);
  await hold.release();
  await sessionsEnded(db, pids);
  return { ms, statement: at.query.replace(/\s+/g, ' ').trim().slice(0, 50) };
}

async function restart() {
  payment = await launch('payment-reconciliation', tdb.url, paymentEnv);
  running.push(payment);
}

const postTaxExport = () =>
  request(`${payment.url}/v1/payment-imports?source=tax&year=${YEAR}&fileName=fault.csv`, {
    method: 'POST',
    headers: { ...tax.headers, 'content-type': 'text/csv' },
    body: taxFile,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  }).then(async (res) => ({ status: res.statusCode, body: (await res.body.json()) as Record<string, any> }));

const postRun = () =>
  request(`${payment.url}/v1/reconciliations`, {
    method: 'POST',
    headers: { ...office.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ regionCode: TOWNSHIP, year: YEAR }),
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  }).then(async (res) => ({ status: res.statusCode, body: (await res.body.json()) as Record<string, any> }));

const countOf = async (from: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(from)}`.execute(db)).rows[0]?.n ?? -1;

t.test('the township registers the people the tax export names', async (t) => {
  const res = await request(`${enrollment.url}/v1/registration-imports?year=${YEAR}&wait=true`, {
    method: 'POST',
    headers: { ...office.headers, 'content-type': 'text/csv' },
    body: registrationCsv(people),
    headersTimeout: 120_000,
  });
  t.equal(res.statusCode, 200);
  await res.body.dump();
  t.same(
    await registered(
      db,
      people.map((p) => p.idNumber),
      YEAR,
    ),
    { persons: ROWS, enrolments: ROWS },
  );
});

t.test(
  'killed while recording a tax export: nothing recorded, the import reads failed, the re-post applies',
  async (t) => {
    // The same voucher as the file's last row, recorded through the API at that moment and not yet
    // committed: the import's insert writes every row before it, then waits on that one.
    const last = people.length - 1;
    const hold = await holdOpen(db, (trx) =>
      trx
        .insertInto('payment.payments')
        .values({
          channel: 'tax-window',
          voucher_number: voucherOf(last),
          id_number: people[last]?.idNumber as string,
          year: YEAR,
          amount_fen: 40_000,
          paid_at: new Date('2024-11-15T10:30:00+08:00'),
          paid_on: '2024-11-15',
          village_code: people[last]?.village as string,
          source: 'api',
        })
        .execute(),
    );
    const posted = performance.now();
    const posting = postTaxExport().catch((err: Error) => err);
    const killed = await killAt(
      'the import recording its payments',
      '^\\s*insert into payment\\.payments',
      // on the competing row's transaction
      { waitingForLock: true },
      hold,
      posted,
      posting,
    );
    t.comment(
      `killed payment-reconciliation ${killed.ms} ms into a ${ROWS}-row tax export, its rows before the last written in its transaction, during: ${killed.statement}…`,
    );
    t.type(await posting, Error, 'the upload ends without an answer');
    t.same(
      [await countOf('payment.payments'), await countOf('payment.reversals'), await countOf('payment.outbox')],
      [0, 0, 0],
      'no payment, reversal or event of the file',
    );
    const [orphan] = await db.selectFrom('payment.imports').select(['id', 'status']).execute();
    t.equal(orphan?.status, 'computing', 'the import was left computing by the dead process');

    await restart();
    const read = await fetch(`${payment.url}/v1/payment-imports/${orphan?.id}`, { headers: tax.headers });
    t.equal(read.status, 200);
    t.match(
      await read.json(),
      { status: 'failed', failure: 'IMPORT_INTERRUPTED', finishedAt: String },
      'once a service is back it reads failed, interrupted',
    );

    const again = await postTaxExport();
    t.equal(again.status, 201, JSON.stringify(again.body).slice(0, 300));
    t.match(again.body, { status: 'applied', counts: { new: ROWS, errors: 0 } });
    t.equal(await countOf('payment.payments'), ROWS, 'every row recorded once');
  },
);

t.test('killed during a reconciliation run: no run stored; the run again classifies everyone', async (t) => {
  // The test holds the items table in share mode, which writers wait for: the run has written its
  // row in its transaction and its one statement waits to write the items.
  const hold = await holdOpen(db, (trx) => sql`lock table payment.reconciliation_items in share mode`.execute(trx));
  const posted = performance.now();
  const running0 = postRun().catch((err: Error) => err);
  const killed = await killAt(
    'the run writing its items',
    '^\\s*with registered as',
    { lockOn: 'payment.reconciliation_items' },
    hold,
    posted,
    running0,
  );
  t.comment(
    `killed payment-reconciliation ${killed.ms} ms into a run over ${ROWS} person-years, its run row written in its transaction, during: ${killed.statement}…`,
  );
  t.type(await running0, Error, 'the run ends without an answer');
  const { rows: queue } = await sql<{ status: string; n: number }>`select status, count(*)::int as n
    from payment.payments group by status order by status`.execute(db);
  t.comment(`payments when killed (the applier was at work too): ${queue.map((r) => `${r.n} ${r.status}`).join(', ')}`);
  t.same(
    [await countOf('payment.reconciliation_runs'), await countOf('payment.reconciliation_items')],
    [0, 0],
    'no run and no item stored',
  );

  await restart();
  const run = await postRun();
  t.equal(run.status, 201, JSON.stringify(run.body).slice(0, 300));
  const classes = run.body.counts as Record<string, number>;
  t.equal(
    Object.values(classes).reduce((a, b) => a + b, 0),
    ROWS,
    'every person-year classified',
  );
  t.equal(await countOf('payment.reconciliation_runs'), 1, 'one run stored');
  t.comment(`run after the restart: ${JSON.stringify(classes)}`);
});

t.test('every payment applied once; the import’s events counted once by reporting', async (t) => {
  const applied = await waitFor(
    'every payment taken to enrollment',
    async () => {
      const { rows } = await sql<{ status: string; n: number }>`select status, count(*)::int as n
        from payment.payments group by status`.execute(db);
      return rows.length === 1 && rows[0]?.status === 'applied' ? rows[0].n : undefined;
    },
    120_000,
  );
  t.equal(applied, ROWS, 'every payment applied');
  const { rows } = await sql<{ n: number; payments: number }>`select count(*)::int as n,
      count(distinct payment_id)::int as payments
    from enrollment.enrolments where year = ${YEAR} and status = 'paid'`.execute(db);
  t.same(rows[0], { n: ROWS, payments: ROWS }, 'each paid its own enrolment, once');

  const payments = await deliveredOnce(db, 'payment-reconciliation', 'payment');
  const enrolments = await deliveredOnce(db, 'enrollment', 'enrollment');
  t.same(
    [payments.missing, payments.extra, enrolments.missing, enrolments.extra],
    [[], [], [], []],
    'every event of both outboxes at reporting, once',
  );
  const imported = await db
    .selectFrom('reporting.received_events')
    .select('payload')
    .where('source', '=', 'payment-reconciliation')
    .where('topic', '=', 'payments.imported')
    .execute();
  const sum = imported.reduce((n, e) => n + (e.payload as { payments: number }).payments, 0);
  t.equal(sum, ROWS, 'the import’s payments.imported events count each row once');
  const channels = await db
    .selectFrom('reporting.channel_counters')
    .select(['village_code', (eb) => eb.fn.sum<number>('payments').as('n')])
    .where('year', '=', YEAR)
    .groupBy('village_code')
    .execute();
  t.same(
    Object.fromEntries(channels.map((c) => [c.village_code, Number(c.n)])),
    perVillage(people),
    'each village’s channel counters hold its rows of the file once',
  );
  t.same(await countersCheck(reporting.url, admin.key), { equal: true, differences: [] }, 'the counters check clean');
  t.comment(
    `survived: 0 payments of the killed import, 0 runs of the killed run; ${applied} payments applied once; reporting received ${payments.received} payment and ${enrolments.received} enrollment events for ${payments.recorded} + ${enrolments.recorded} recorded; file took ${since(started)} ms`,
  );
});
