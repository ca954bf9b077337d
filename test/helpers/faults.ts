// What the fault tests share: finding a service's statement at work in pg_stat_activity, killing
// the service there and waiting until the server has ended its sessions, a forwarder standing in
// for a load balancer in front of a service that is restarted on another port, registration files
// of generated people, and the checks that every event reached reporting exactly once.
import net from 'node:net';
import { createTestDatabase, type Db } from '@rmi/db';
import { settleOutbox, waitFor } from '@rmi/outbox/testing';
import { checkCharacter } from '@rmi/rules';
import { createTestKey } from '@rmi/service-kit';
import { sql } from 'kysely';
import t from 'tap';
import { type RunningService, startService } from './services.js';

/**
 * A fault test's database and keys (admin, service, the township's office). When the test file
 * ends, the services pushed on `running` are stopped, then each of `closers` runs, then the
 * database is dropped.
 */
export async function faultRig(township: string) {
  const started = performance.now();
  const tdb = await createTestDatabase();
  const running: RunningService[] = [];
  const closers: Array<() => Promise<void>> = [];
  t.teardown(async () => {
    for (const s of running) await stop(s);
    for (const close of closers) await close();
    await tdb.destroy();
  });
  const admin = await createTestKey(tdb.db, 'admin');
  const service = await createTestKey(tdb.db, 'service');
  const office = await createTestKey(tdb.db, 'township-operator', { regionCode: township });
  return { started, tdb, db: tdb.db, running, closers, admin, service, office };
}

/**
 * startService, and the process killed when this test process exits however it ends (a test
 * runner's timeout included), so no service outlives its test.
 */
export async function launch(...args: Parameters<typeof startService>): Promise<RunningService> {
  const service = await startService(...args);
  const kill = () => service.child.kill('SIGKILL');
  process.once('exit', kill);
  void service.exited.then(() => process.off('exit', kill));
  return service;
}

class RolledBack extends Error {}

/**
 * A transaction of the test's own, left open after `statements` until `release()` rolls it back:
 * a competing write holding a row (or a lock) the service's statement will wait for, so a kill
 * lands while that statement is at work, on any machine, whatever its speed.
 */
export async function holdOpen(
  db: Db,
  statements: (trx: Db) => Promise<unknown>,
): Promise<{ release(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let begun!: () => void;
  let failed!: (err: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    begun = resolve;
    failed = reject;
  });
  const done = db
    .transaction()
    .execute(async (trx) => {
      await sql`set local idle_in_transaction_session_timeout = 0`.execute(trx);
      await statements(trx);
      begun();
      await released;
      throw new RolledBack();
    })
    .catch((err) => {
      if (!(err instanceof RolledBack)) failed(err);
    });
  await ready;
  return {
    async release() {
      release();
      await done;
    },
  };
}

/** A session of another process, as pg_stat_activity shows it. */
export interface Session {
  pid: number;
  application: string;
  waitEvent: string | null;
  query: string;
}

/** Waits until a statement matching `pattern` (a PostgreSQL regex) is running; answers its session. */
export async function statementAtWork(
  db: Db,
  what: string,
  pattern: string,
  options: { waitingForLock?: boolean; lockOn?: string; ms?: number } = {},
): Promise<Session> {
  // pg_stat_activity keeps only the first kilobyte of a statement: a long one is found by its
  // beginning, and by the table whose lock it waits for.
  const lock = options.lockOn
    ? sql`and exists (select 1 from pg_locks l where l.pid = a.pid and not l.granted
            and l.relation = to_regclass(${options.lockOn}))`
    : options.waitingForLock
      ? sql`and wait_event_type = 'Lock'`
      : sql``;
  return waitFor(
    what,
    async () => {
      const { rows } = await sql<Session>`
        select pid, application_name as application, wait_event_type as "waitEvent", left(query, 200) as query
        from pg_stat_activity a
        where datname = current_database() and state = 'active' and pid <> pg_backend_pid() and query ~* ${pattern}
          ${lock}
        limit 1`.execute(db);
      return rows[0];
    },
    options.ms ?? 120_000,
  );
}

/** The server pids of the sessions of these application names (a service's pool, its import pool). */
export async function sessionsOf(db: Db, applications: readonly string[]): Promise<number[]> {
  const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity
    where datname = current_database() and application_name = any(${applications}::text[])`.execute(db);
  return rows.map((r) => r.pid);
}

/**
 * Waits until the server has ended these sessions: a killed client's transaction is rolled back
 * then, and its locks (an import's running lock) are free.
 */
export async function sessionsEnded(db: Db, pids: readonly number[], ms = 60_000): Promise<void> {
  if (pids.length === 0) return;
  await waitFor(
    'the killed service’s sessions to end',
    async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where pid = any(${pids}::int[])`.execute(db);
      return rows[0]?.n === 0;
    },
    ms,
  );
}

/** SIGKILL: no handler runs, no transaction is finished, sockets are closed by the kernel. */
export async function kill9(service: RunningService): Promise<void> {
  service.child.kill('SIGKILL');
  await service.exited;
}

/** SIGTERM and the exit code. */
export async function stop(service: RunningService): Promise<number | null> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return service.child.exitCode;
  service.child.kill('SIGTERM');
  return service.exited;
}

/**
 * A TCP forwarder on a fixed port of its own, as a load balancer in front of a service: the
 * publishers keep one URL while the service behind it is killed and started again elsewhere.
 * While nothing is behind it, a connection is accepted and closed at once (the publisher retries).
 */
export async function createForwarder(): Promise<{ url: string; target: string | null; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const state = { target: null as string | null };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    const target = state.target ? new URL(state.target) : null;
    if (!target) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get target() {
      return state.target;
    },
    set target(url: string | null) {
      state.target = url;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The `n`th generated person of Fengdu (500230), born 1940–1999: a valid ID number, different for each n below 21,900,000. */
export function personIdNumber(n: number): string {
  const days = 21_900; // about 60 years of birthdays
  const birth = new Date(Date.UTC(1940, 0, 1) + (n % days) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  const first17 = `500230${birth}${String(Math.floor(n / days) % 1000).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

export interface Registrant {
  idNumber: string;
  village: string;
}

/** `count` generated people from `first`, spread over `villages` in turn. */
export function registrants(count: number, villages: readonly string[], first = 0): Registrant[] {
  return Array.from({ length: count }, (_, i) => ({
    idNumber: personIdNumber(first + i),
    village: villages[i % villages.length] as string,
  }));
}

/** A township office's registration file: ID number, name, village, tier 1. */
export function registrationCsv(people: readonly Registrant[]): string {
  const lines = people.map((p, i) => `${p.idNumber},居民${i % 1000},${p.village},1`);
  return `身份证号,姓名,村(社区)代码,档次\n${lines.join('\n')}\n`;
}

/** How many of `people` there are per village. */
export function perVillage(people: readonly Registrant[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of people) out[p.village] = (out[p.village] ?? 0) + 1;
  return out;
}

/** The villages of a township, as core.regions holds them. */
export async function villagesOf(db: Db, township: string): Promise<string[]> {
  const rows = await db
    .selectFrom('core.regions')
    .select('code')
    .where('parent_code', '=', township)
    .orderBy('code')
    .execute();
  return rows.map((r) => r.code);
}

/** How many persons and enrolments of `year` the register holds of these ID numbers. */
export async function registered(db: Db, ids: readonly string[], year: number) {
  const { rows } = await sql<{ persons: number; enrolments: number }>`
    select (select count(*)::int from enrollment.persons where id_number = any(${ids}::varchar[])) as persons,
           (select count(*)::int from enrollment.enrolments where year = ${year} and id_number = any(${ids}::varchar[])) as enrolments`.execute(
    db,
  );
  return rows[0] ?? { persons: -1, enrolments: -1 };
}

export interface Delivery {
  /** Events in the publisher's outbox. */
  recorded: number;
  /** Rows reporting keeps of that publisher. */
  received: number;
  /** Outbox events reporting does not have, and rows it has that no outbox event is. */
  missing: number[];
  extra: number[];
}

/**
 * Waits until reporting holds every event of a publisher's outbox, then compares the two by id:
 * every event once (received_events is keyed by source and id), none missing, none made up.
 */
export async function deliveredOnce(db: Db, source: string, schema: string, ms = 60_000): Promise<Delivery> {
  await settleOutbox(db, schema);
  const compare = async (): Promise<Delivery> => {
    const { rows: outbox } = await sql<{ id: string }>`select id from ${sql.id(schema, 'outbox')} order by id`.execute(
      db,
    );
    const { rows: received } = await sql<{ id: string; n: number }>`select id, count(*)::int as n
      from reporting.received_events where source = ${source} group by id order by id`.execute(db);
    const sent = new Set(outbox.map((r) => Number(r.id)));
    const got = new Set(received.map((r) => Number(r.id)));
    return {
      recorded: sent.size,
      received: received.reduce((sum, r) => sum + r.n, 0),
      missing: [...sent].filter((id) => !got.has(id)),
      extra: [...got].filter((id) => !sent.has(id)),
    };
  };
  try {
    return await waitFor(
      `every ${source} event at reporting`,
      async () => {
        const d = await compare();
        return d.missing.length === 0 ? d : undefined;
      },
      ms,
    );
  } catch {
    return compare();
  }
}

/** Reporting's own comparison of its counters with the GROUP BY over the views. */
export async function countersCheck(
  reportingUrl: string,
  adminKey: string,
): Promise<{ equal: boolean; differences: unknown[] }> {
  const res = await fetch(`${reportingUrl}/v1/counters/check`, { headers: { authorization: `Bearer ${adminKey}` } });
  if (!res.ok) throw new Error(`counters check answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { equal: boolean; differences: unknown[] };
}

/** Registered enrolments per village of a year, as reporting's counters hold them. */
export async function villageCounters(db: Db, year: number): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('reporting.village_counters')
    .select(['village_code', 'registered'])
    .where('year', '=', year)
    .where('registered', '>', 0)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.village_code, r.registered]));
}

/** Milliseconds since `start`, rounded, for the figures a test prints. */
export const since = (start: number) => Math.round(performance.now() - start);
