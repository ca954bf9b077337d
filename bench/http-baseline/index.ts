// What the service stack costs per request: a bare fastify route returning fixed JSON against the
// enrollment service, built as in production, answering an authenticated GET /v1/me. The ratio is
// ours / bare in requests per second; a route with one query is measured alongside.
import { createEnrollmentClient } from '@rmi/clients';
import { createTestKey } from '@rmi/service-kit';
import Fastify from 'fastify';
import { startEnrollment } from '../enrollment-server.js';
import { type BenchContext, resultLine, table } from '../harness.js';
import { describeLoad, LOAD_HEADER, listen, load, loadOptions, loadRow } from '../http-load.js';

const NAME = 'http-baseline';
const GOAL = 0.25;
const REGION = '500230209';

export default async function httpBaseline({ url, db }: BenchContext): Promise<void> {
  const opts = loadOptions();

  const bare = Fastify();
  bare.get('/status', async () => ({ status: 'ok' }));

  const ours = await startEnrollment(url);

  try {
    const bareUrl = await listen(bare);
    const oursUrl = ours.url;
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

    console.log(describeLoad(opts));
    console.log(
      table(LOAD_HEADER, [
        loadRow('bare fastify', 'GET /status', bareResult),
        loadRow('enrollment', 'GET /health (public, no query)', stackResult),
        loadRow('enrollment', 'GET /v1/me (key, no query)', oursResult),
        loadRow('enrollment', `GET /v1/regions/${REGION} (key, one query)`, queryResult),
      ]),
    );
    console.log(`\nregion route / bare: ${(queryResult.requests.average / bareResult.requests.average).toFixed(2)}\n`);
    console.log(resultLine(NAME, oursResult.requests.average / bareResult.requests.average, '>=', GOAL));
  } finally {
    await Promise.all([bare.close(), ours.close()]);
  }
}
