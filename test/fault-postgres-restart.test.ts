// The PostgreSQL server stopped under load and started again (README "URLs": `/ready` is 503 while
// the database does not answer): the four services, real processes on a server this test starts
// for itself, keep running. While it is down `/ready` answers 503 and `/health` 200, requests fail
// fast with 503 problem+json naming no database detail; once it is back `/ready` is 200 on the same
// processes and every payment a collector was answered 2xx for is stored once and applied.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createDb,
  type EmbeddedServer,
  freePort,
  prepareDatabase,
  recreateDatabase,
  startEmbeddedPostgres,
} from '@rmi/db';
import { waitFor } from '@rmi/outbox/testing';
import { createTestKey } from '@rmi/service-kit';
import { sql } from 'kysely';
import t from 'tap';
import {
  countersCheck,
  deliveredOnce,
  launch,
  type Registrant,
  registrants,
  registrationCsv,
  since,
  stop,
  villagesOf,
} from './helpers/faults.js';
import type { RunningService } from './helpers/services.js';

const TOWNSHIP = '500230209'; // 栗子乡
const YEAR = 2025;
const PERSONS = 1_500;
const COLLECTORS = 6;
/** How long a client waits for any answer: a request still open after this is a hang. */
const CLIENT_TIMEOUT_MS = 10_000;
const DOWN_MS = 3_000;

const started = performance.now();
const dir = await mkdtemp(path.join(tmpdir(), 'rmi-pg-restart-'));
// The server runs as the `postgres` user when we are root: it must be able to enter the folder.
await chmod(dir, 0o755);
const dataDir = path.join(dir, 'pg');
const port = await freePort();
let server: EmbeddedServer | null = await startEmbeddedPostgres({ dataDir, port });
const url = await recreateDatabase(server.adminUrl, 'rmi_fault_restart');
const db = createDb(url, { max: 3 });
await prepareDatabase(db, { demoRegions: true });
t.comment(`embedded PostgreSQL on port ${port} ready in ${since(started)} ms`);

const running: RunningService[] = [];
t.teardown(async () => {
  for (const s of running) await stop(s);
  await db.destroy();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const service = await createTestKey(db, 'service');
const admin = await createTestKey(db, 'admin');
const office = await createTestKey(db, 'township-operator', { regionCode: TOWNSHIP });
const villages = (await villagesOf(db, TOWNSHIP)).slice(0, COLLECTORS);
const collectors = await Promise.all(villages.map((v) => createTestKey(db, 'collector', { regionCode: v })));
const people = registrants(PERSONS, villages, 500_000);

const env = {
  SERVICE_API_KEY: service.key,
  OUTBOX_POLL_MS: '200',
  APPLY_POLL_MS: '200',
  APPLY_RETRY_MS: '100',
  // A batch claimed when the process died (or the database went away) waits out this lease before it is sent again.
  APPLY_TIMEOUT_MS: '5000',
  RATE_LIMIT_PER_MINUTE: '100000',
  LOG_LEVEL: 'warn',
};
/** Started, and stopped at the end whatever happens. */
const start = (...args: Parameters<typeof launch>) =>
  launch(...args).then((s) => {
    running.push(s);
    return s;
  });
const reporting = await start('reporting', url, env);
const enrollment = await start('enrollment', url, { ...env, REPORTING_URL: reporting.url });
const wired = { ...env, ENROLLMENT_URL: enrollment.url, REPORTING_URL: reporting.url };
const [identity, payment] = await Promise.all([
  start('subsidy-identity', url, wired),
  start('payment-reconciliation', url, wired),
]);
const pids = running.map((s) => s.child.pid);

interface Answer {
  what: string;
  phase: Phase;
  status: number;
  ms: number;
  type: string;
  body: string;
}
type Phase = 'before' | 'down' | 'after';

/** One request with the client's timeout; a hang is answered status 0. */
async function call(what: string, phase: () => Phase, input: string, init: RequestInit = {}): Promise<Answer> {
  const t0 = performance.now();
  const p = phase();
  try {
    const res = await fetch(input, { ...init, signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) });
    const body = await res.text();
    return { what, phase: p, status: res.status, ms: since(t0), type: res.headers.get('content-type') ?? '', body };
  } catch (err) {
    return { what, phase: p, status: 0, ms: since(t0), type: '', body: String(err) };
  }
}

t.test('PostgreSQL stopped and started under load: 503 meanwhile, the same processes recover', async (t) => {
  const marks: string[] = [`services up ${since(started)}`];
  const mark = (what: string) => marks.push(`${what} ${since(started)}`);
  const imported = await fetch(`${enrollment.url}/v1/registration-imports?year=${YEAR}&wait=true`, {
    method: 'POST',
    headers: { ...office.headers, 'content-type': 'text/csv' },
    body: registrationCsv(people),
  });
  t.equal(imported.status, 200, 'the township registered its residents');

  mark('registered');
  let phase: Phase = 'before';
  const now = () => phase;
  const answers: Answer[] = [];
  const payments = new Map<string, { person: Registrant; key: string; answers: number[] }>();
  let next = 0;
  let loading = true;

  /** A village's collector recording payments, one person after another, as they come to pay. */
  async function collector(i: number) {
    const village = villages[i] as string;
    const key = collectors[i]?.key as string;
    const mine = people.filter((p) => p.village === village);
    for (let k = 0; loading && k < mine.length; k++) {
      const person = mine[k] as Registrant;
      const voucher = `FLT-${String(next++).padStart(5, '0')}`;
      const entry = { person, key, answers: [] as number[] };
      payments.set(voucher, entry);
      const a = await call('POST /v1/payments', now, `${payment.url}/v1/payments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: paymentBody(voucher, person),
      });
      entry.answers.push(a.status);
      answers.push(a);
      if (a.status >= 500) await sleep(100); // a client backs off a little after a 503
    }
  }
  /** Township office and dashboard reads on the other three services. */
  async function reader(i: number) {
    for (let k = 0; loading; k++) {
      const person = people[(i * 97 + k) % PERSONS] as Registrant;
      const auth = { authorization: `Bearer ${office.key}` };
      const a = await [
        () => call('GET enrollment person', now, `${enrollment.url}/v1/persons/${person.idNumber}`, { headers: auth }),
        () =>
          call('GET identities', now, `${identity.url}/v1/persons/${person.idNumber}/identities?on=2024-11-15`, {
            headers: auth,
          }),
        () =>
          call('GET payments', now, `${payment.url}/v1/payments?regionCode=${person.village}&year=${YEAR}&limit=20`, {
            headers: auth,
          }),
        () =>
          call('POST /graphql progress', now, `${reporting.url}/graphql`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json' },
            body: JSON.stringify({
              query: `{ progress(regionCode: "${TOWNSHIP}", year: ${YEAR}) { registered paid } }`,
            }),
          }),
      ][k % 4]?.();
      if (a) answers.push(a);
      if (a && a.status >= 500) await sleep(100);
    }
  }
  const load = Promise.all([
    ...villages.map((_, i) => collector(i)),
    ...Array.from({ length: 4 }, (_, i) => reader(i)),
  ]);

  await sleep(1_500);
  phase = 'down';
  const stopped = performance.now();
  await server?.stop();
  server = null;
  // While it is down, as a load balancer and a monitor would ask.
  const probes: Answer[] = [];
  await sleep(500);
  for (const s of running) {
    probes.push(await call(`${s.name} /ready`, now, `${s.url}/ready`));
    probes.push(await call(`${s.name} /health`, now, `${s.url}/health`));
  }
  await sleep(Math.max(0, DOWN_MS - since(stopped)));

  server = await startEmbeddedPostgres({ dataDir, port });
  const restarted = performance.now();
  phase = 'after';
  let recoveredMs = -1;
  try {
    await waitFor(
      'every service ready again',
      async () => {
        const dead = running.find((s) => s.child.exitCode !== null || s.child.signalCode !== null);
        if (dead)
          throw new Error(
            `${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode}):\n${dead.output().slice(-3000)}`,
          );
        const ready = await Promise.all(running.map((s) => fetch(`${s.url}/ready`).then((r) => r.status)));
        return ready.every((s) => s === 200);
      },
      30_000,
    );
    recoveredMs = since(restarted);
    await sleep(1_500);
  } finally {
    loading = false;
    await load;
  }

  for (const s of running) {
    const ready = probes.find((p) => p.what === `${s.name} /ready`);
    t.equal(ready?.status, 503, `${s.name} /ready answers 503 while the database is down`);
    t.match(JSON.parse(ready?.body ?? '{}'), { status: 'not-ready', checks: { database: 'unreachable' } });
    t.equal(probes.find((p) => p.what === `${s.name} /health`)?.status, 200, `${s.name} /health stays 200`);
  }
  t.same(
    running.map((s) => s.child.pid),
    pids,
    'the same processes: no service was restarted',
  );
  t.ok(
    running.every((s) => s.child.exitCode === null),
    'all four still running',
  );

  const down = answers.filter((a) => a.phase === 'down');
  const failed = answers.filter((a) => a.status >= 300);
  const unexpected = failed.filter(
    (a) =>
      a.status !== 503 ||
      !a.type.startsWith('application/problem+json') ||
      !/"code":"DATABASE_(UNAVAILABLE|BUSY)"/.test(a.body),
  );
  t.same(
    unexpected.map((a) => `${a.phase} ${a.what} ${a.status} ${a.body.slice(0, 200)}`),
    [],
    'every failure is 503 problem+json DATABASE_UNAVAILABLE or DATABASE_BUSY',
  );
  t.ok(failed.length > 0 && down.some((a) => a.status === 503), 'requests failed with 503 while the database was down');
  const leaks = answers.filter((a) =>
    /ECONNREFUSED|terminat|Connection|postgres|SQLSTATE|57P0|08006|pg_|relation|127\.0\.0\.1/i.test(
      a.status >= 300 ? a.body : '',
    ),
  );
  t.same(
    leaks.map((a) => a.body.slice(0, 200)),
    [],
    'no database message in any answer',
  );
  const slowest = Math.max(...answers.map((a) => a.ms));
  t.ok(
    answers.every((a) => a.status !== 0),
    `no request hung past ${CLIENT_TIMEOUT_MS} ms (slowest ${slowest} ms)`,
  );
  t.ok(
    answers.some((a) => a.phase === 'after' && a.status < 300 && a.what === 'POST /v1/payments'),
    'payments are recorded again after the restart',
  );

  mark('load over');
  // What a collector's client does with a payment answered 503: sends it again, same voucher.
  let resent = 0;
  for (const [voucher, entry] of payments) {
    if (entry.answers.some((s) => s < 300)) continue;
    resent++;
    const a = await call('POST /v1/payments again', now, `${payment.url}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${entry.key}`, 'content-type': 'application/json' },
      body: paymentBody(voucher, entry.person),
    });
    entry.answers.push(a.status);
  }
  t.ok(
    [...payments.values()].every((e) => e.answers.some((s) => s === 200 || s === 201)),
    'every payment sent is answered 2xx in the end',
  );

  mark('resent');
  const stored = await waitFor(
    'every payment applied',
    async () => {
      const { rows } = await sql<{ voucher_number: string; n: number; status: string }>`
        select voucher_number, count(*)::int as n, min(status) as status from payment.payments
        group by voucher_number`.execute(db);
      return rows.length === payments.size && rows.every((r) => r.status === 'applied') ? rows : undefined;
    },
    60_000,
  ).catch(async () => {
    const { rows } = await sql<{ status: string; n: number }>`select status, count(*)::int as n
      from payment.payments group by status`.execute(db);
    t.fail(`payments not all applied: ${JSON.stringify(rows)}`);
    return [];
  });
  t.equal(stored.length, payments.size, 'every payment sent is stored');
  t.ok(
    stored.every((r) => r.n === 1),
    'each exactly once',
  );
  const { rows: paid } = await sql<{ n: number }>`select count(*)::int as n from enrollment.enrolments
    where year = ${YEAR} and status = 'paid'`.execute(db);
  t.equal(paid[0]?.n, payments.size, 'each paid its enrolment on enrollment, once');

  mark('applied');
  const delivery = [
    await deliveredOnce(db, 'enrollment', 'enrollment'),
    await deliveredOnce(db, 'payment-reconciliation', 'payment'),
  ];
  t.same(
    delivery.map((d) => [d.missing.length, d.extra.length]),
    [
      [0, 0],
      [0, 0],
    ],
    'every event of both outboxes at reporting, once',
  );
  t.same(await countersCheck(reporting.url, admin.key), { equal: true, differences: [] }, 'the counters check clean');

  mark('delivered');
  t.comment(marks.join(', '));
  const count = (phase: Phase, ok: boolean) =>
    answers.filter((a) => a.phase === phase && (ok ? a.status < 300 : a.status >= 300)).length;
  t.comment(
    `requests: before ${count('before', true)} ok / ${count('before', false)} failed; down ${DOWN_MS} ms: ${count('down', true)} ok / ${count('down', false)} failed (all 503); after ${count('after', true)} ok / ${count('after', false)} failed`,
  );
  t.comment(
    `payments: ${payments.size} sent, ${payments.size - resent} answered 2xx at once, ${resent} answered 503 and sent again, ${stored.length} stored once each, ${paid[0]?.n} applied; slowest answer ${slowest} ms; ready again ${recoveredMs} ms after the server was; file took ${since(started)} ms`,
  );
});

function paymentBody(voucher: string, person: Registrant): string {
  return JSON.stringify({
    channel: 'wechat',
    voucherNumber: voucher,
    idNumber: person.idNumber,
    year: YEAR,
    amountFen: 40_000,
    paidAt: '2024-11-15T10:30:00+08:00',
  });
}
