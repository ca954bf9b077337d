// The collection season at its peak: 200 collectors recording payments at once on
// payment-reconciliation while dashboards poll reporting's GraphQL, against a bare fastify route
// that checks the same bodies and does one INSERT, loaded the same way in the same run. Goal: the
// service records ≥ 0.5× the bare route's requests per second, with no error; then every answered
// payment must be stored once, applied to its enrolment by the applier, and counted by reporting.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { poolOf } from '@rmi/db';
import type autocannon from 'autocannon';
import { type RunningService, startService, stopProcess } from '../../scripts/lib/service-processes.js';
import { type BenchContext, resultLine, seconds, table } from '../harness.js';
import { BARE_TABLE, CREATE_BARE_TABLES } from './bare-table.js';
import { cpuSeconds, runQueueSeconds } from './cpu-time.js';
import { loadPayments, type PaymentLoad, type PollLoad, PROGRESS_QUERY, pollDashboards, WEEKLY_QUERY } from './load.js';
import { type BareProcess, startBare } from './processes.js';
import { COUNTY, prepareSeason, type Season, YEAR } from './setup.js';

const NAME = 'season-load';
const GOAL = 0.5;
const COLLECTORS = 200;
const DASHBOARDS = 4;
/** Each dashboard refreshes five times a second: busy, not flat out. */
const POLL_RATE = 5;
/** How long the applier and reporting get to catch up after the load (25–105 payments/s on 2 cores). */
const CATCH_UP_MS = 240_000;

interface Phase {
  label: string;
  payments: PaymentLoad;
  polls: PollLoad;
  /** CPU seconds the loaded server's process used over the phase, warm-up included. */
  serverCpu: number | null;
  /** The same of enrollment and reporting together. */
  othersCpu: number | null;
  /** Seconds the loaded server's event loop waited for a CPU over the phase. */
  serverWaiting: number | null;
}

function count(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number, got ${raw}`);
  return value;
}

const ms = (value: number) => (value < 1 ? '<1' : String(value));
const failures = (r: autocannon.Result) => r.errors + r.timeouts + r.non2xx;

/** What went wrong in a phase, one line each; empty when nothing did. */
function problems(p: Phase, service: boolean): string[] {
  const out: string[] = [];
  const r = p.payments.result;
  if (failures(r))
    out.push(`${p.label}: ${r.errors} socket errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx answers`);
  const other = [...p.payments.statuses].filter(([status]) => status !== 201);
  if (other.length) out.push(`${p.label}: answers other than 201: ${other.map(([s, n]) => `${n}× ${s}`).join(', ')}`);
  for (const refusal of p.payments.refusals) out.push(`${p.label}:   ${refusal}`);
  if (service && p.payments.exhausted) {
    out.push(`${p.label}: ${p.payments.exhausted} requests found their collector's persons used up (BENCH_PERSONS)`);
  }
  const q = p.polls.result;
  if (failures(q) || p.polls.failed) {
    out.push(`${p.label} polls: ${q.errors} socket errors, ${q.timeouts} timeouts, ${p.polls.failed} failed answers`);
  }
  for (const sample of p.polls.samples) out.push(`${p.label} polls:   ${sample}`);
  return out;
}

async function waitUntil<T>(what: string, limitMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export default async function seasonLoad({ url, db }: BenchContext): Promise<void> {
  const timing = { duration: seconds('BENCH_DURATION', 15), warmup: seconds('BENCH_WARMUP', 3) };
  const perCollector = count('BENCH_PERSONS', 200);
  // The services' default pool (DB_POOL_SIZE), given to the bare server too.
  const poolSize = count('BENCH_POOL_SIZE', 10);
  const diagnose = process.env.BENCH_DIAGNOSE === '1';
  const log = (line: string) => console.error(line);
  const pool = poolOf(db);

  const t0 = performance.now();
  const season: Season = await prepareSeason(db, { collectors: COLLECTORS, perCollector, dashboards: DASHBOARDS });
  for (const statement of CREATE_BARE_TABLES) await pool.query(statement);
  log(
    `# ${season.persons} persons registered for ${YEAR} in ${season.villages.length} villages, ` +
      `${COLLECTORS} collector keys, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  // BENCH_CPU_PROF=1: payment-reconciliation and the bare server write V8 CPU profiles on exit.
  const profileDir = process.env.BENCH_CPU_PROF === '1' ? await mkdtemp(path.join(tmpdir(), 'season-load-')) : null;
  const profiled: Record<string, string> = profileDir
    ? {
        NODE_OPTIONS: `--import=${pathToFileURL(path.join(import.meta.dirname, 'cpu-profile.mjs')).href}`,
        SEASON_LOAD_PROFILE_DIR: profileDir,
      }
    : {};
  // Logs at warn: a request logged at info costs the service what the bare server does not pay.
  const quiet = { LOG_LEVEL: 'warn', SERVICE_API_KEY: season.serviceKey, DB_POOL_SIZE: String(poolSize) };
  const running: Array<RunningService | BareProcess> = [];
  try {
    const reporting = await startService('reporting', url, { ...quiet, SNAPSHOT_CHECK_MS: '0' });
    running.push(reporting);
    const enrollment = await startService('enrollment', url, { ...quiet, REPORTING_URL: reporting.url });
    running.push(enrollment);
    const payment = await startService('payment-reconciliation', url, {
      ...quiet,
      ...profiled,
      ENROLLMENT_URL: enrollment.url,
      REPORTING_URL: reporting.url,
    });
    running.push(payment);
    const bare = await startBare(url, { DB_POOL_SIZE: String(poolSize), ...profiled });
    running.push(bare);

    const township = season.townships[season.townships.length - 1] as string;
    const bodies = [
      JSON.stringify({ query: PROGRESS_QUERY, variables: { r: COUNTY, y: YEAR } }),
      JSON.stringify({ query: WEEKLY_QUERY, variables: { t: township, y: YEAR } }),
    ];
    // Both dashboard queries answer before anything is measured.
    for (const body of bodies) {
      const res = await fetch(`${reporting.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: season.dashboards[0] as string },
        body,
      });
      const answer = (await res.json()) as { errors?: unknown };
      if (res.status !== 200 || answer.errors)
        throw new Error(`GraphQL answered ${res.status}: ${JSON.stringify(answer)}`);
    }

    const othersCpu = () => {
      const e = cpuSeconds(enrollment.child.pid);
      const r = cpuSeconds(reporting.child.pid);
      return e === null || r === null ? null : e + r;
    };
    const since = (before: number | null, after: number | null) =>
      before === null || after === null ? null : after - before;
    const phase = async (label: string, server: RunningService | BareProcess, route = '/v1/payments') => {
      log(`# ${label}: ${COLLECTORS} connections, ${timing.warmup} s warm-up, ${timing.duration} s`);
      const cpu0 = [cpuSeconds(server.child.pid), othersCpu(), runQueueSeconds(server.child.pid)] as const;
      const [payments, polls] = await Promise.all([
        loadPayments(server.url, route, season.collectors, timing),
        pollDashboards(`${reporting.url}/graphql`, season.dashboards, bodies, POLL_RATE, timing),
      ]);
      return {
        label,
        payments,
        polls,
        serverCpu: since(cpu0[0], cpuSeconds(server.child.pid)),
        othersCpu: since(cpu0[1], othersCpu()),
        serverWaiting: since(cpu0[2], runQueueSeconds(server.child.pid)),
      } satisfies Phase;
    };

    // The bare route before and after the service, the mean taken, so drift of a shared machine
    // weighs on both sides; the second after the applier and reporting have caught up.
    const bareBefore = await phase('bare INSERT (before)', bare);
    const service = await phase('payment-reconciliation', payment);
    const loadEnded = performance.now();
    const loadEndedAt = Date.now();
    const answered = service.payments.created.length;

    // The applier takes them to enrollment. Requests in flight when autocannon stopped (at the end
    // of the warm-up and of the measurement) are still answered by the service to a closed socket,
    // so the counts are read once nothing has been recorded for 2 s and nothing waits to be applied.
    let last = -1;
    let stableSince = performance.now();
    const applied = await waitUntil('the applier applying every payment', CATCH_UP_MS, async () => {
      const { rows } = await pool.query<{ rows: number; recorded: number; parked: number; applied: number }>(
        `select count(*)::int as rows, count(*) filter (where status = 'recorded')::int as recorded,
                count(*) filter (where status = 'parked')::int as parked,
                count(*) filter (where status = 'applied')::int as applied
         from payment.payments where source = 'api'`,
      );
      const r = rows[0];
      if (!r) return undefined;
      if (r.rows !== last) {
        last = r.rows;
        stableSince = performance.now();
      }
      return r.recorded === 0 && performance.now() - stableSince >= 2000 ? r : undefined;
    });
    // Every answered payment stored, and every stored payment once (by id and by voucher).
    const stored = (
      await pool.query<{ rows: number; ids: number; vouchers: number; answered: number }>(
        `select count(*)::int as rows, count(distinct id)::int as ids,
                count(distinct (channel, voucher_number))::int as vouchers,
                count(*) filter (where id = any($1::text[]))::int as answered
         from payment.payments where source = 'api'`,
        [service.payments.created],
      )
    ).rows[0] ?? { rows: 0, ids: 0, vouchers: 0, answered: 0 };
    const unanswered = stored.rows - answered;
    const storedOnce =
      new Set(service.payments.created).size === answered &&
      stored.answered === answered &&
      stored.ids === stored.rows &&
      stored.vouchers === stored.rows;
    // At most one request per connection is cut off when the warm-up ends and when the measurement
    // does, plus one per timeout (autocannon reconnects and sends the next).
    const cutOff = 2 * COLLECTORS + service.payments.result.timeouts + service.payments.result.errors;
    const lag = (
      await pool.query<{ span: number; p50: number; p99: number; max: number; paid: number; lastApplied: Date }>(
        `select extract(epoch from max(p.applied_at) - min(p.recorded_at))::float8 as span,
                max(p.applied_at) as "lastApplied",
                percentile_cont(0.5) within group (order by extract(epoch from p.applied_at - p.recorded_at))::float8 as p50,
                percentile_cont(0.99) within group (order by extract(epoch from p.applied_at - p.recorded_at))::float8 as p99,
                extract(epoch from max(p.applied_at - p.recorded_at))::float8 as max,
                (select count(*)::int from enrollment.enrolments e
                  where e.year = $1 and e.status = 'paid' and e.payment_id is not null) as paid
         from payment.payments p where p.source = 'api' and p.status = 'applied'`,
        [YEAR],
      )
    ).rows[0];
    const appliedAfter = lag ? (lag.lastApplied.getTime() - loadEndedAt) / 1000 : Number.NaN;
    const parkedCodes =
      applied.parked === 0
        ? []
        : (
            await pool.query<{ code: string; n: number }>(
              `select problem_code as code, count(*)::int as n from payment.payments
               where source = 'api' and status = 'parked' group by 1 order by 2 desc`,
            )
          ).rows;
    const counted = await waitUntil('reporting counting every payment', CATCH_UP_MS, async () => {
      const { rows } = await pool.query<{ paid: number }>(
        `select coalesce(sum(paid), 0)::int as paid from reporting.village_counters
         where year = $1 and village_code like $2 || '%'`,
        [YEAR, COUNTY],
      );
      const paid = rows[0]?.paid ?? 0;
      return paid >= applied.applied ? paid : undefined;
    });
    const countedAfter = (performance.now() - loadEnded) / 1000;

    const bareAfter = await phase('bare INSERT (after)', bare);
    // BENCH_DIAGNOSE=1: the service's statements without the service (bare-server.ts).
    const bareTransaction = diagnose ? await phase('bare transaction', bare, '/v1/payments-in-transaction') : undefined;
    const bareStored = Number(
      (await pool.query<{ n: string }>(`select count(*) as n from ${BARE_TABLE}`)).rows[0]?.n ?? 0,
    );
    const bareAnswered =
      bareBefore.payments.created.length +
      bareAfter.payments.created.length +
      (bareTransaction?.payments.created.length ?? 0);

    // The services log at warn: whatever they said goes to stderr, the last of it.
    for (const s of [payment, enrollment, reporting]) {
      const said = s.output().trim();
      if (said) log(`# ${s.name} logged (last 3000 characters):\n${said.slice(-3000)}`);
    }
    const phases = [bareBefore, service, bareAfter, ...(bareTransaction ? [bareTransaction] : [])];
    // CPU milliseconds of the loaded server per answer, warm-up included (its CPU is counted too).
    const cpuPerAnswer = (p: Phase) => {
      const answers = [...p.payments.statuses.values()].reduce((n, c) => n + c, 0);
      return p.serverCpu === null || answers === 0 ? null : (1000 * p.serverCpu) / answers;
    };
    const rps = (r: autocannon.Result) => r.requests.average;
    console.log(
      `${season.persons} persons of county ${COUNTY} registered for ${YEAR} in ${season.villages.length} villages; ` +
        `${COLLECTORS} collectors (one key and connection each, own persons), ${DASHBOARDS} dashboards polling ` +
        `${POLL_RATE}/s each (progress of ${COUNTY} with children, weeklyReport of ${township}).\n` +
        `Services and the bare server are processes of their own (pool ${poolSize}, logs at warn); the load ` +
        `generator runs in the benchmark's process. ${timing.warmup} s warm-up, ${timing.duration} s measured.\n`,
    );
    console.log(
      table(
        [
          'phase',
          'route',
          'req/s',
          'p50 ms',
          'p99 ms',
          'answered',
          'errors',
          'polls/s',
          'poll p99 ms',
          'poll errors',
          'server CPU s',
          'CPU ms/answer',
          'waiting for CPU s',
          'enrollment+reporting CPU s',
        ],
        phases.map((p) => {
          const r = p.payments.result;
          const q = p.polls.result;
          return [
            p.label,
            p === bareTransaction ? 'POST /v1/payments-in-transaction' : 'POST /v1/payments',
            rps(r).toFixed(0),
            ms(r.latency.p50),
            ms(r.latency.p99),
            String(r['2xx']),
            String(failures(r) + [...p.payments.statuses].filter(([s]) => s !== 201).reduce((n, [, c]) => n + c, 0)),
            rps(q).toFixed(1),
            ms(q.latency.p99),
            String(failures(q) + p.polls.failed),
            p.serverCpu === null ? '-' : p.serverCpu.toFixed(1),
            cpuPerAnswer(p)?.toFixed(2) ?? '-',
            p.serverWaiting === null ? '-' : p.serverWaiting.toFixed(1),
            p.othersCpu === null ? '-' : p.othersCpu.toFixed(1),
          ];
        }),
      ),
    );
    console.log(
      `\nstored: ${stored.rows} payments (${stored.ids} ids, ${stored.vouchers} vouchers) for ${answered} answered 201, ` +
        `${stored.answered} of them found: ${storedOnce ? 'each once' : 'MISMATCH'}; ${unanswered} more were in flight ` +
        `when the load stopped (answered to a closed connection); bare table ${bareStored} rows for ${bareAnswered} answers`,
    );
    console.log(
      `applier: ${applied.applied} applied, ${applied.parked} parked${parkedCodes.length ? ` (${parkedCodes.map((c) => `${c.n}× ${c.code}`).join(', ')})` : ''}; ` +
        `the last ${appliedAfter.toFixed(1)} s after the load ended; first recorded to last applied ` +
        `${lag?.span?.toFixed(1)} s (${lag && lag.span > 0 ? (applied.applied / lag.span).toFixed(0) : '-'} payments/s); ` +
        `recorded→applied p50 ${lag?.p50?.toFixed(2)} s, p99 ${lag?.p99?.toFixed(2)} s, max ${lag?.max?.toFixed(2)} s; ` +
        `${lag?.paid} enrolments paid by them`,
    );
    console.log(
      `reporting: ${counted} paid in the county's counters ${countedAfter.toFixed(1)} s after the load ended`,
    );
    if (profileDir) console.log(`CPU profiles (payment-reconciliation, bare server): ${profileDir}`);

    const wrong = [
      ...phases.flatMap((p) => problems(p, p === service)),
      ...(storedOnce ? [] : ['the answered payments are not stored exactly once']),
      ...(unanswered >= 0 && unanswered <= cutOff
        ? []
        : [`${unanswered} payments stored without an answer; at most ${cutOff} requests were cut off`]),
      ...(bareStored >= bareAnswered && bareStored - bareAnswered <= 2 * COLLECTORS * (phases.length - 1)
        ? []
        : [`the bare table holds ${bareStored} rows for ${bareAnswered} answers`]),
      ...(applied.parked === 0 ? [] : [`${applied.parked} payments parked`]),
      ...(lag?.paid === stored.rows ? [] : [`${lag?.paid} enrolments paid for ${stored.rows} payments`]),
    ];
    if (wrong.length) {
      console.log(`\n${wrong.join('\n')}`);
      throw new Error(`${NAME}: the run is void (see above)`);
    }
    const bareRate = (rps(bareBefore.payments.result) + rps(bareAfter.payments.result)) / 2;
    console.log(`\nbare INSERT, mean of the two: ${bareRate.toFixed(0)} req/s`);
    const bareCpu = [cpuPerAnswer(bareBefore), cpuPerAnswer(bareAfter)];
    const serviceCpu = cpuPerAnswer(service);
    if (bareCpu[0] != null && bareCpu[1] != null && serviceCpu) {
      const mean = (bareCpu[0] + bareCpu[1]) / 2;
      console.log(
        `CPU per answer: bare INSERT ${mean.toFixed(2)} ms, payment-reconciliation ${serviceCpu.toFixed(2)} ms ` +
          `(bare / service ${(mean / serviceCpu).toFixed(2)}; the service's includes its applier and outbox)`,
      );
    }
    if (bareTransaction) {
      const tx = rps(bareTransaction.payments.result);
      console.log(
        `bare transaction / bare INSERT: ${(tx / bareRate).toFixed(2)}; ` +
          `service / bare transaction: ${(rps(service.payments.result) / tx).toFixed(2)}`,
      );
    }
    log(`# season-load took ${((performance.now() - t0) / 1000).toFixed(0)} s after the database was prepared`);
    console.log(resultLine(NAME, rps(service.payments.result) / bareRate, '>=', GOAL));
  } finally {
    for (const p of running.reverse()) await stopProcess(p);
  }
}
