import { createTestDatabase } from '@rmi/db';
import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { type RunningService, SERVICES, startService } from './helpers/services.js';

// All four services as real processes over real sockets, as an operator starts them.
const tdb = await createTestDatabase();
const running: RunningService[] = await Promise.all(SERVICES.map((s) => startService(s.name, tdb.url)));
t.teardown(async () => {
  for (const s of running) s.child.kill('SIGTERM');
  await Promise.all(running.map((s) => s.exited));
  await tdb.destroy();
});
const byName = (name: string) => running.find((s) => s.name === name) as RunningService;

t.test('every service says ready, with the database reachable and migrations current', async (t) => {
  for (const s of running) {
    const res = await fetch(`${s.url}/ready`);
    t.equal(res.status, 200, s.name);
    t.same(await res.json(), { status: 'ready', service: s.name, checks: { database: 'ok', migrations: 'current' } });
  }
});

t.test('every service serves Swagger UI at /docs and its OpenAPI document', async (t) => {
  for (const s of running) {
    const page = await fetch(`${s.url}/docs/`);
    t.equal(page.status, 200, `${s.name} /docs`);
    t.match(await page.text(), /swagger-ui/i);
    const doc = (await (await fetch(`${s.url}/docs/json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    t.match(doc.openapi, /^3\./);
    t.ok(doc.paths['/health'], `${s.name} documents /health`);
  }
  const doc = (await (await fetch(`${byName('enrollment').url}/docs/json`)).json()) as {
    paths: Record<string, unknown>;
  };
  t.ok(doc.paths['/v1/api-keys'] && doc.paths['/v1/persons'], 'enrollment documents its routes');
});

t.test('each service answers a real route of its own with a scoped key', async (t) => {
  const lizi = await createTestKey(tdb.db, 'township-operator', { regionCode: '500230209' });
  const dashboard = await createTestKey(tdb.db, 'dashboard', { regionCode: '500230' });
  const auth = (k: { key: string }) => ({ authorization: `Bearer ${k.key}` });

  const region = await fetch(`${byName('enrollment').url}/v1/regions/500230209`, { headers: auth(lizi) });
  t.equal(region.status, 200);
  const body = (await region.json()) as { name: string; children: unknown[] };
  t.equal(body.name, '栗子乡');
  t.ok(body.children.length > 0, 'villages listed');

  const types = await fetch(`${byName('subsidy-identity').url}/v1/identity-types`, { headers: auth(lizi) });
  t.equal(types.status, 200);
  t.ok(((await types.json()) as Array<{ code: string }>).some((x) => x.code === 'extreme-poverty'));

  const channels = await fetch(`${byName('payment-reconciliation').url}/v1/channels`, { headers: auth(lizi) });
  t.equal(channels.status, 200);
  t.ok(((await channels.json()) as Array<{ code: string }>).some((x) => x.code === 'cash'));

  const gql = await fetch(`${byName('reporting').url}/graphql`, {
    method: 'POST',
    headers: { ...auth(dashboard), 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ region(code: "500230") { name level children { code name } } }' }),
  });
  t.equal(gql.status, 200);
  const data = (await gql.json()) as {
    data: { region: { name: string; level: string; children: Array<{ code: string }> } };
  };
  t.equal(data.data.region.level, 'county');
  t.ok(data.data.region.children.some((c) => c.code === '500230209'));

  const outside = await fetch(`${byName('reporting').url}/graphql`, {
    method: 'POST',
    headers: { ...auth(dashboard), 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ region(code: "141181") { name } }' }),
  });
  const denied = (await outside.json()) as { errors: Array<{ extensions: { code: string } }> };
  t.equal(denied.errors[0]?.extensions.code, 'OUT_OF_SCOPE');
});

t.test('every service tells a caller who its key is, and answers 401 problem+json without one', async (t) => {
  const collector = await createTestKey(tdb.db, 'collector', { regionCode: '500230209200' });
  for (const s of running) {
    const anonymous = await fetch(`${s.url}/v1/me`);
    t.equal(anonymous.status, 401, `${s.name} without a key`);
    t.match(anonymous.headers.get('content-type'), /application\/problem\+json/);
    t.match(await anonymous.json(), { code: 'UNAUTHENTICATED' });
    const me = await fetch(`${s.url}/v1/me`, { headers: { authorization: `Bearer ${collector.key}` } });
    t.equal(me.status, 200, `${s.name} with a key`);
    t.equal(me.headers.get('x-content-type-options'), 'nosniff', 'security headers');
    t.match(me.headers.get('strict-transport-security'), /max-age=/);
    t.match(me.headers.get('x-request-id'), /^[0-9a-f-]{36}$/);
    t.same(await me.json(), {
      keyId: collector.id,
      name: 'test collector',
      role: 'collector',
      regionCode: '500230209200',
      department: null,
    });
  }
  const gql = await fetch(`${byName('reporting').url}/graphql`, { method: 'POST', body: '{}' });
  t.equal(gql.status, 401);
});
