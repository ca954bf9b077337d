// Reporting killed with SIGKILL in the middle of storing a delivered batch, and in the middle of
// `POST /v1/counters/rebuild` (README "Reporting": a batch is stored and its counters recomputed in
// one transaction; a rebuild is one transaction). The publishers' outboxes deliver again once it is
// back (their cursors moved only past batches answered 2xx): every event is kept once, the counters
// equal the GROUP BY over the views, and a rebuild cut short left nothing of itself.

import { waitFor } from '@rmi/outbox/testing';

import { sql } from 'kysely';
import t from 'tap';
import {
  countersCheck,
  createForwarder,
  deliveredOnce,
  faultRig,
  holdOpen,
  kill9,
  launch,
  perVillage,
  type Registrant,
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
const PERSONS = 600;
const PAYMENTS = 120;

const { started, tdb, db, running, closers, admin, service, office } = await faultRig(TOWNSHIP);
// The publishers reach reporting through this, as through a load balancer: reporting comes back on another port.
const front = await createForwarder();
closers.push(() => front.close());
const people = registrants(PERSONS, await villagesOf(db, TOWNSHIP), 300_000);
const payers = people.slice(0, PAYMENTS);

const quick = { SERVICE_API_KEY: service.key, OUTBOX_POLL_MS: '100', APPLY_POLL_MS: '100', APPLY_RETRY_MS: '100' };
let reporting = await launch('reporting', tdb.url);
running.push(reporting);
front.target = reporting.url;
const enrollment = await launch('enrollment', tdb.url, { ...quick, REPORTING_URL: front.url });
running.push(enrollment);
const payment = await launch('payment-reconciliation', tdb.url, {
  ...quick,
  ENROLLMENT_URL: enrollment.url,
  REPORTING_URL: front.url,
});
running.push(payment);

async function killReporting(hold: { release(): Promise<void> }) {
  const pids = await sessionsOf(db, ['reporting']);
  await kill9(reporting);
  running.splice(running.indexOf(reporting), 1);
  front.target = null;
  await hold.release();
  await sessionsEnded(db, pids);
}

async function restartReporting() {
  reporting = await launch('reporting', tdb.url);
  running.push(reporting);
  front.target = reporting.url;
}

/** Events reporting keeps, per publisher. */
const received = async () => {
  const rows = await db
    .selectFrom('reporting.received_events')
    .select(['source', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('source')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.source, Number(r.n)]));
};

/** Per village: enrolments registered and not paid, and paid (reporting's village counters). */
async function villageFigures() {
  const rows = await db
    .selectFrom('reporting.village_counters')
    .select(['village_code', 'registered', 'paid'])
    .where('year', '=', YEAR)
    .execute();
  return {
    registered: Object.fromEntries(rows.filter((r) => r.registered > 0).map((r) => [r.village_code, r.registered])),
    paid: Object.fromEntries(rows.filter((r) => r.paid > 0).map((r) => [r.village_code, r.paid])),
  };
}

/** What the counters must say: every person registered, the payers paid. */
function expectedFigures() {
  const all = perVillage(people);
  const paid = perVillage(payers);
  return {
    registered: Object.fromEntries(Object.entries(all).map(([v, n]) => [v, n - (paid[v] ?? 0)])),
    paid,
  };
}

async function pay(person: Registrant, i: number) {
  const res = await fetch(`${payment.url}/v1/payments`, {
    method: 'POST',
    headers: { ...office.headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      channel: 'wechat',
      voucherNumber: `RPT-${String(i).padStart(4, '0')}`,
      idNumber: person.idNumber,
      year: YEAR,
      amountFen: 40_000,
      paidAt: `2024-11-${String(1 + (i % 28)).padStart(2, '0')}T10:30:00+08:00`,
    }),
  });
  if (res.status !== 201) throw new Error(`payment answered ${res.status}: ${await res.text()}`);
}

t.test('killed while storing a batch: nothing of it kept; redelivered once it is back, counted once', async (t) => {
  // The counters held as a rebuild holds them: deliveries store their events, then wait to count them.
  const hold = await holdOpen(db, (trx) => sql`lock table reporting.village_counters in exclusive mode`.execute(trx));
  const registration = await fetch(`${enrollment.url}/v1/registration-imports?year=${YEAR}&wait=true`, {
    method: 'POST',
    headers: { ...office.headers, 'content-type': 'text/csv' },
    body: registrationCsv(people),
  });
  t.equal(registration.status, 200, 'the township registered its residents');
  for (const [i, p] of payers.entries()) await pay(p, i);

  const blocked = await statementAtWork(db, 'a delivery waiting to count its events', '', {
    lockOn: 'reporting.village_counters',
  });
  t.equal(blocked.application, 'reporting');
  await killReporting(hold);
  const kept = await received();
  t.equal(kept.enrollment ?? 0, 0, 'no enrollment event of the cut batches is kept (each names a village counter)');
  t.comment(
    `killed reporting with deliveries waiting to count their events (${PERSONS} registered, ${PAYMENTS} payments recorded): ${kept.enrollment ?? 0} enrollment events kept, ${kept['payment-reconciliation'] ?? 0} payment events (they name only channel counters, not held)`,
  );

  await restartReporting();
  await waitFor(
    'every payment applied',
    async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from payment.payments
        where status = 'applied'`.execute(db);
      return rows[0]?.n === PAYMENTS;
    },
    60_000,
  );
  const deliveries = [
    await deliveredOnce(db, 'enrollment', 'enrollment'),
    await deliveredOnce(db, 'payment-reconciliation', 'payment'),
  ];
  t.same(
    deliveries.map((d) => [d.missing.length, d.extra.length]),
    [
      [0, 0],
      [0, 0],
    ],
    'every event of both outboxes kept once',
  );
  t.same(await villageFigures(), expectedFigures(), 'each village counts its registrations and payments once');
  t.same(await countersCheck(reporting.url, admin.key), { equal: true, differences: [] }, 'the counters check clean');
  t.comment(
    `after the restart: ${deliveries[0]?.received} enrollment and ${deliveries[1]?.received} payment events kept, for ${deliveries[0]?.recorded} + ${deliveries[1]?.recorded} recorded`,
  );
});

t.test('killed mid rebuild: the rebuild left nothing; rebuilt again, the counters check clean', async (t) => {
  const [village] = Object.keys(perVillage(people)).sort();
  // Two counters gone wrong, as a rebuild is for: the first table's and the last's.
  await sql`update reporting.village_counters set registered = registered + 1000
    where year = ${YEAR} and village_code = ${village}`.execute(db);
  await sql`update reporting.channel_counters set payments = payments + 1000
    where year = ${YEAR} and village_code = ${village}`.execute(db);
  const drifted = await countersCheck(reporting.url, admin.key);
  t.equal(drifted.differences.length > 0, true, 'the check finds the counters gone wrong');

  // A row of the last table held: the rebuild rewrites the first tables, then waits on it.
  const hold = await holdOpen(db, (trx) =>
    sql`select 1 from reporting.channel_counters where year = ${YEAR} and village_code = ${village}
      limit 1 for update`.execute(trx),
  );
  const rebuilding = fetch(`${reporting.url}/v1/counters/rebuild`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.key}` },
  }).catch((err: Error) => err);
  const at = await statementAtWork(db, 'the rebuild writing channel_counters', 'channel_counters', {
    waitingForLock: true,
  });
  t.equal(at.application, 'reporting');
  await killReporting(hold);
  t.type(await rebuilding, Error, 'the rebuild ends without an answer');
  const first = await db
    .selectFrom('reporting.village_counters')
    .select('registered')
    .where('year', '=', YEAR)
    .where('village_code', '=', village as string)
    .executeTakeFirst();
  t.equal(
    first?.registered,
    (expectedFigures().registered[village as string] ?? 0) + 1000,
    'the first table as it was: the rebuild’s rewrite of it was rolled back',
  );

  await restartReporting();
  t.same(await countersCheck(reporting.url, admin.key), drifted, 'the check finds the same differences as before');
  const rebuilt = await fetch(`${reporting.url}/v1/counters/rebuild`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.key}` },
  });
  t.equal(rebuilt.status, 200);
  t.same(await countersCheck(reporting.url, admin.key), { equal: true, differences: [] }, 'rebuilt, they check clean');
  t.comment(
    `killed reporting mid rebuild (${drifted.differences.length} counter rows wrong): 0 of its writes kept; the rebuild after the restart fixed them; file took ${since(started)} ms`,
  );
});
