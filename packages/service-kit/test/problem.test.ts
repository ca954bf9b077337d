import { createTestDatabase } from '@rmi/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { z } from 'zod';
import { assertRegionInScope, principalOf, requireRole } from '../src/auth.js';
import serviceKit from '../src/kit.js';
import { buildApp, createTestKey, testConfig } from '../src/testing.js';

const tdb = await createTestDatabase();
t.teardown(() => tdb.destroy());
const config = testConfig({ BODY_LIMIT_BYTES: '2048' });

async function probe(app: FastifyInstance, opts: { db: typeof tdb.db }) {
  await app.register(serviceKit, { service: 'probe', description: 'test', db: opts.db, config });
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/things',
    {
      schema: {
        body: z.object({ name: z.string().min(1), count: z.number().int().positive(), when: z.iso.date() }),
      },
    },
    async (request) => ({ ok: true, name: request.body.name }),
  );
  r.get('/broken', async () => {
    await sql`select * from table_that_does_not_exist_4711`.execute(opts.db);
    return { never: true };
  });
  r.get('/operators-only', { onRequest: requireRole('county-operator') }, async () => ({ ok: true }));
  r.get('/villages/:code', async (request) => {
    const { code } = request.params as { code: string };
    assertRegionInScope(principalOf(request), code);
    return { code };
  });
}

const app = await buildApp('probe', probe, { db: tdb.db, config });
t.teardown(() => app.close());
const admin = await createTestKey(tdb.db, 'admin');
const lizi = await createTestKey(tdb.db, 'township-operator', { regionCode: '500230209' });

function assertProblem(
  t: Test,
  res: { statusCode: number; headers: Record<string, unknown>; json(): any },
  status: number,
  code: string,
) {
  t.equal(res.statusCode, status);
  t.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.json();
  t.equal(body.status, status);
  t.equal(body.code, code);
  t.ok(body.requestId, 'carries the request id');
  return body;
}

t.test('400 lists every bad field', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/things',
    headers: admin.headers,
    payload: { name: '', count: 1.5, when: '2024-02-30' },
  });
  const body = assertProblem(t, res, 400, 'VALIDATION_FAILED');
  t.same(body.errors.map((e: { path: string }) => e.path).sort(), ['body.count', 'body.name', 'body.when']);
});

t.test('400 for malformed JSON', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/things',
    headers: { ...admin.headers, 'content-type': 'application/json' },
    payload: '{"name": ',
  });
  assertProblem(t, res, 400, 'MALFORMED_BODY');
});

t.test('413 for a body over the limit', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/things',
    headers: admin.headers,
    payload: { name: 'x'.repeat(4096), count: 1, when: '2024-01-01' },
  });
  assertProblem(t, res, 413, 'BODY_TOO_LARGE');
});

t.test('401 without a key, with an unknown key', async (t) => {
  assertProblem(t, await app.inject({ method: 'GET', url: '/operators-only' }), 401, 'UNAUTHENTICATED');
  assertProblem(
    t,
    await app.inject({ method: 'GET', url: '/operators-only', headers: { authorization: 'Bearer rmi_not-a-key' } }),
    401,
    'UNAUTHENTICATED',
  );
});

t.test('403 for a role that may not, and for a region outside the key', async (t) => {
  assertProblem(
    t,
    await app.inject({ method: 'GET', url: '/operators-only', headers: lizi.headers }),
    403,
    'FORBIDDEN_ROLE',
  );
  assertProblem(
    t,
    await app.inject({ method: 'GET', url: '/villages/500230102200', headers: lizi.headers }),
    403,
    'OUT_OF_SCOPE',
  );
  const inside = await app.inject({ method: 'GET', url: '/villages/500230209200', headers: lizi.headers });
  t.equal(inside.statusCode, 200);
});

t.test('404 for an unknown route', async (t) => {
  assertProblem(t, await app.inject({ method: 'GET', url: '/nowhere', headers: admin.headers }), 404, 'NOT_FOUND');
});

t.test('500 hides the database message', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/broken', headers: admin.headers });
  const body = assertProblem(t, res, 500, 'INTERNAL_ERROR');
  t.notMatch(res.body, /table_that_does_not_exist|relation|does not exist|select/i);
  t.match(body.detail, /request id/);
});

t.test('security headers and request id on every answer', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/health' });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.ok(res.headers['x-request-id']);
});
