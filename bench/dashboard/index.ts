// A township's progress on the dashboard: BENCH_ROWS (ten million) enrolments over 3,000 villages,
// the GraphQL `progress` query of reporting against (a) a bare fastify route computing the same
// JSON by a plain GROUP BY over the enrolments, as reporting answered before it kept counters,
// and (b) a bare fastify route running the one SELECT over the counters that reporting runs.
// Goals: ≥ 100× (a)'s throughput, ≥ 0.75× (b)'s.
import { isDeepStrictEqual } from 'node:util';
import { poolOf } from '@rmi/db';
import reportingApp, { SERVICE } from '@rmi/reporting/app';
import { createTestKey } from '@rmi/service-kit';
import autocannon from 'autocannon';
import { ReportingConfigSchema } from '../../services/reporting/src/config.js';
import { rebuildCounters } from '../../services/reporting/src/counters/rebuild-counters.js';
import { reportingDb } from '../../services/reporting/src/db.js';
import { type BenchContext, resultLine, seconds, table } from '../harness.js';
import { describeLoad, LOAD_HEADER, type LoadOptions, type LoadTarget, listen, load, loadRow } from '../http-load.js';
import { startBenchService } from '../service-server.js';
import { countersServer, groupByServer } from './bare-servers.js';
import { COUNTY, DATA_DATABASE, dataSet, TOWNSHIPS, VILLAGES, YEAR } from './generate.js';

const NAME = 'dashboard';
const GOAL = 100;
const BARE_GOAL = 0.75;
/** Township 37 of 100: picked once, kept so runs compare. */
const TOWNSHIP = `${COUNTY}037`;

const QUERY = `query($r: ID!, $y: Int!) {
  progress(regionCode: $r, year: $y) {
    region { code name } target registered paid rate gap
    children { region { code name } target registered paid rate gap }
  }
}`;

/** `--rows N` after the benchmark's name, else BENCH_ROWS, else ten million. */
function rowsWanted(): number {
  const at = process.argv.indexOf('--rows');
  const raw = at > 0 ? process.argv[at + 1] : process.env.BENCH_ROWS;
  const rows = Number(raw ?? 10_000_000);
  if (!Number.isInteger(rows) || rows < VILLAGES) {
    throw new Error(`--rows must be a whole number of at least ${VILLAGES}, got ${raw}`);
  }
  return rows;
}

/**
 * The GROUP BY side, loaded longer and with a longer timeout: its answers take seconds under 10
 * connections, and none completes in the first seconds of a run, which in 10 s would understate
 * its throughput by a fifth or more. Any error, timeout or non-2xx answer voids the run, as in load().
 */
async function loadSlow(target: LoadTarget, options: LoadOptions): Promise<autocannon.Result> {
  const result = await autocannon({
    url: target.url,
    connections: options.connections,
    duration: options.duration,
    warmup: { connections: options.connections, duration: options.warmup },
    timeout: 300,
  });
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(
      `${target.label}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers; the run is void`,
    );
  }
  return result;
}

async function answer(target: LoadTarget): Promise<unknown> {
  const res = await fetch(target.url, {
    method: target.method ?? (target.body === undefined ? 'GET' : 'POST'),
    headers: { ...(target.body === undefined ? {} : { 'content-type': 'application/json' }), ...target.headers },
    ...(target.body === undefined ? {} : { body: JSON.stringify(target.body) }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${target.label} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

export default async function dashboard({ url }: BenchContext): Promise<void> {
  const rows = rowsWanted();
  // A longer warm-up than the other HTTP benchmarks: the first server loaded in a fresh process
  // otherwise runs at half speed while V8 compiles it, and the ratio of two fast servers shows it.
  const opts: LoadOptions = {
    connections: 10,
    duration: seconds('BENCH_DURATION', 10),
    warmup: seconds('BENCH_WARMUP', 5),
  };
  const slowOpts: LoadOptions = { ...opts, duration: Math.max(opts.duration, seconds('BENCH_SLOW_DURATION', 30)) };
  const log = (line: string) => console.error(line);

  const data = await dataSet(url, rows, log);
  try {
    const pool = poolOf(data.db);
    const r0 = performance.now();
    const rebuilt = await rebuildCounters({ db: reportingDb(data.db) });
    const rebuildSeconds = (performance.now() - r0) / 1000;
    await pool.query('vacuum analyze reporting.village_counters');
    const size = await pool.query<{ size: string }>(
      'select pg_size_pretty(pg_database_size(current_database())) as size',
    );
    log(`# counters rebuilt in ${rebuildSeconds.toFixed(1)} s (${rebuilt.villageRows} village rows)`);

    // Old keys of earlier runs go first: this database is kept, its keys are not.
    await pool.query(`delete from core.api_keys where name = 'test dashboard'`);
    const key = await createTestKey(data.db, 'dashboard', { regionCode: COUNTY });
    // The weekly snapshot timer is off: a snapshot taken in the middle of a measurement would be
    // measured with it.
    const reporting = await startBenchService(SERVICE, reportingApp, ReportingConfigSchema, data.url, {
      SNAPSHOT_CHECK_MS: '0',
    });
    const counters = countersServer(data.db);
    const plain = groupByServer(data.db);
    try {
      const path = `/progress/${TOWNSHIP}/${YEAR}`;
      const targets = {
        graphql: {
          label: 'reporting GraphQL',
          url: `${reporting.url}/graphql`,
          headers: key.headers,
          body: { query: QUERY, variables: { r: TOWNSHIP, y: YEAR } },
        },
        counters: { label: 'bare select', url: `${await listen(counters)}${path}` },
        groupBy: { label: 'plain GROUP BY', url: `${await listen(plain)}${path}` },
      } satisfies Record<string, LoadTarget>;

      // The three answer the same JSON before any is measured: a faster wrong answer proves nothing.
      const graphqlBody = (await answer(targets.graphql)) as { data?: unknown; errors?: unknown };
      if (graphqlBody.errors) throw new Error(`GraphQL answered errors: ${JSON.stringify(graphqlBody.errors)}`);
      const countersBody = await answer(targets.counters);
      const groupByBody = await answer(targets.groupBy);
      if (!isDeepStrictEqual(graphqlBody.data, countersBody)) {
        throw new Error(
          `GraphQL and the bare select differ:\n${JSON.stringify(graphqlBody.data)}\n${JSON.stringify(countersBody)}`,
        );
      }
      if (!isDeepStrictEqual(countersBody, groupByBody)) {
        throw new Error(
          `the counters and the GROUP BY differ:\n${JSON.stringify(countersBody)}\n${JSON.stringify(groupByBody)}`,
        );
      }

      // The bare select before and after GraphQL, the mean taken, so a shared machine's drift weighs
      // on both sides of the ratio that compares two fast servers.
      const countersBefore = await load(targets.counters, opts);
      const graphql = await load(targets.graphql, opts);
      const countersAfter = await load(targets.counters, opts);
      const groupBy = await loadSlow(targets.groupBy, slowOpts);

      const progress = (countersBody as { progress: { registered: number; paid: number; children: unknown[] } })
        .progress;
      const generated =
        data.generatedSeconds === null
          ? `reused from an earlier run that wrote them in ${data.recordedSeconds.toFixed(0)} s`
          : `written in ${data.generatedSeconds.toFixed(0)} s`;
      console.log(
        `${rows} enrolments of ${YEAR} over ${VILLAGES} villages of county ${COUNTY} (${TOWNSHIPS} townships) in ` +
          `${DATA_DATABASE} (${size.rows[0]?.size}), ${generated}; counters rebuilt in ${rebuildSeconds.toFixed(1)} s\n` +
          `township ${TOWNSHIP}: ${progress.children.length} villages, ${progress.registered} registered, ${progress.paid} paid\n`,
      );
      console.log(describeLoad(opts).trimEnd());
      console.log(`the GROUP BY: ${slowOpts.duration} s after ${slowOpts.warmup} s warm-up\n`);
      const rps = (r: autocannon.Result) => r.requests.average;
      // A tenth of a request per second counts when the slow side makes a few dozen in all.
      const row = (label: string, route: string, r: autocannon.Result) => {
        const cells = loadRow(label, route, r);
        cells[2] = rps(r) < 100 ? rps(r).toFixed(1) : rps(r).toFixed(0);
        return [...cells, String(r.errors + r.timeouts + r.non2xx)];
      };
      console.log(
        table(
          [...LOAD_HEADER, 'errors'],
          [
            row('bare select', `GET ${path} (one SELECT, counters; before)`, countersBefore),
            row('reporting', 'POST /graphql progress (dashboard key)', graphql),
            row('bare select', `GET ${path} (one SELECT, counters; after)`, countersAfter),
            row('plain GROUP BY', `GET ${path} (v_enrollment_facts)`, groupBy),
          ],
        ),
      );
      const bare = (rps(countersBefore) + rps(countersAfter)) / 2;
      console.log(`\nbare select, mean of the two: ${bare.toFixed(0)} req/s`);
      console.log(resultLine('dashboard vs bare select', rps(graphql) / bare, '>=', BARE_GOAL));
      console.log(resultLine(NAME, rps(graphql) / rps(groupBy), '>=', GOAL));
    } finally {
      await Promise.all([reporting.close(), counters.close(), plain.close()]);
    }
  } finally {
    await data.close();
  }
}
