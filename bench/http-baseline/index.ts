// What the service stack costs per request: a bare fastify route returning fixed JSON against the
// enrollment service, built as in production, answering an authenticated GET /v1/me. The ratio is
// ours / bare in requests per second; a route with one query is measured alongside.
import type { AddressInfo } from 'node:net';
import { createEnrollmentClient } from '@rmi/clients';
import { createDb } from '@rmi/db';
import enrollmentApp, { EnrollmentConfigSchema, SERVICE } from '@rmi/enrollment/app';
import { createServer, createTestKey, loadConfig } from '@rmi/service-kit';
import autocannon from 'autocannon';
import Fastify, { type FastifyInstance } from 'fastify';
import { type BenchContext, resultLine, seconds, table } from '../harness.js';

const NAME = 'http-baseline';
const GOAL = 0.25;
const REGION = '500230209';

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

interface Load {
  label: string;
  url: string;
  headers?: Record<string, string>;
}

async function load(target: Load, options: { connections: number; duration: number; warmup: number }) {
  const result = await autocannon({
    url: target.url,
    headers: target.headers ?? {},
    connections: options.connections,
    duration: options.duration,
    warmup: { connections: options.connections, duration: options.warmup },
  });
  // A 401 or 429 is answered faster than a real lookup, so any of them would flatter the ratio.
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(
      `${target.label}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers; the run is void`,
    );
  }
  return result;
}

export default async function httpBaseline({ url, db }: BenchContext): Promise<void> {
  const duration = seconds('BENCH_DURATION', 5);
  const warmup = seconds('BENCH_WARMUP', 1);
  const connections = 10;

  const bare = Fastify();
  bare.get('/status', async () => ({ status: 'ok' }));

  // As runService builds it, except that logs are off (both sides then skip logging alike) and the
  // per-key rate limit is out of reach, since one key sends every request.
  const config = loadConfig(EnrollmentConfigSchema, {
    DATABASE_URL: url,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '100000000',
  });
  const serviceDb = createDb(url, { max: config.DB_POOL_SIZE, applicationName: SERVICE });
  const ours = createServer(SERVICE, config);
  await ours.register(enrollmentApp, { db: serviceDb, config });

  try {
    const bareUrl = await listen(bare);
    const oursUrl = await listen(ours);
    const admin = await createTestKey(db, 'admin');

    // Both answer what they should before either is measured.
    const probe = await fetch(`${bareUrl}/status`);
    if (probe.status !== 200) throw new Error(`bare fastify answered ${probe.status}`);
    const client = createEnrollmentClient({ baseUrl: oursUrl, apiKey: admin.key });
    try {
      const region = await client.getRegion(REGION);
      if (region.children.length === 0) throw new Error(`region ${REGION} has no children: demo regions missing?`);
    } finally {
      await client.close();
    }

    const opts = { connections, duration, warmup };
    const bareResult = await load({ label: 'bare fastify', url: `${bareUrl}/status` }, opts);
    // The ratio is taken on an authenticated route that needs no query (the key comes from the
    // auth cache): what every request pays for helmet, rate limit, request id, key check and zod.
    // The region route adds one PostgreSQL round trip, which on two cores shared with the server
    // and the load generator dominates; it is shown, not hidden.
    const stackResult = await load({ label: 'enrollment /health', url: `${oursUrl}/health` }, opts);
    const oursResult = await load(
      { label: 'enrollment /v1/me', url: `${oursUrl}/v1/me`, headers: admin.headers },
      opts,
    );
    const queryResult = await load(
      { label: 'enrollment region', url: `${oursUrl}/v1/regions/${REGION}`, headers: admin.headers },
      opts,
    );

    // autocannon records latency in whole milliseconds.
    const ms = (value: number) => (value < 1 ? '<1' : String(value));
    const row = (label: string, route: string, r: autocannon.Result) => [
      label,
      route,
      r.requests.average.toFixed(0),
      ms(r.latency.p50),
      ms(r.latency.p99),
      String(r.requests.total),
    ];
    console.log(
      `${connections} connections, ${duration} s each after ${warmup} s warm-up; load generator in the same process\n`,
    );
    console.log(
      table(
        ['server', 'route', 'req/s', 'p50 ms', 'p99 ms', 'requests'],
        [
          row('bare fastify', 'GET /status', bareResult),
          row('enrollment', 'GET /health (public, no query)', stackResult),
          row('enrollment', 'GET /v1/me (key, no query)', oursResult),
          row('enrollment', `GET /v1/regions/${REGION} (key, one query)`, queryResult),
        ],
      ),
    );
    console.log(`\nregion route / bare: ${(queryResult.requests.average / bareResult.requests.average).toFixed(2)}\n`);
    console.log(resultLine(NAME, oursResult.requests.average / bareResult.requests.average, '>=', GOAL));
  } finally {
    await Promise.all([bare.close(), ours.close()]);
    await serviceDb.destroy();
  }
}
