import { buildApp, createTestKey } from '@rmi/service-kit';
import t from 'tap';
import enrollmentApp, { SERVICE } from '../src/app.js';
import { enrollmentConfig, setup } from './helpers.js';

const { app, db } = await setup(t);
const admin = await createTestKey(db, 'admin');

t.test('an admin creates a scoped key, shown once, that then works', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: admin.headers,
    payload: { name: '栗子乡 operator', role: 'township-operator', regionCode: '500230209' },
  });
  t.equal(res.statusCode, 201);
  const created = res.json();
  t.match(created, { name: '栗子乡 operator', role: 'township-operator', regionCode: '500230209', department: null });
  t.match(created.key, /^rmi_[A-Za-z0-9_-]{32}$/);

  const list = await app.inject({ method: 'GET', url: '/v1/api-keys', headers: admin.headers });
  const listed = list.json().find((k: { id: string }) => k.id === created.id);
  t.ok(listed, 'listed');
  t.notOk('key' in listed, 'the secret is never listed');
  t.notMatch(list.body, created.key);

  const use = await app.inject({
    method: 'GET',
    url: '/v1/regions/500230209',
    headers: { authorization: `Bearer ${created.key}` },
  });
  t.equal(use.statusCode, 200);

  const stored = await db
    .selectFrom('core.api_keys')
    .select('key_hash')
    .where('id', '=', created.id)
    .executeTakeFirstOrThrow();
  t.not(stored.key_hash, created.key, 'stored hashed');
});

t.test('a key creation is audited', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: admin.headers,
    payload: { name: 'civil affairs feed', role: 'department-feed', department: 'civil-affairs' },
  });
  t.equal(res.statusCode, 201);
  const row = await db
    .selectFrom('core.audit_log')
    .selectAll()
    .where('entity', '=', 'api-key')
    .where('entity_id', '=', res.json().id)
    .executeTakeFirstOrThrow();
  t.equal(row.action, 'api-key.create');
  t.equal(row.actor_key_id, admin.id);
  t.equal(row.service, 'enrollment');
  t.ok(row.request_id);
});

t.test('a scope that does not fit the role is 422 SCOPE_INVALID', async (t) => {
  const cases = [
    { role: 'township-operator', regionCode: '500230' },
    { role: 'county-operator' },
    { role: 'department-feed' },
    { role: 'collector', regionCode: '500230209' },
    { role: 'admin', regionCode: '50' },
    { role: 'county-operator', regionCode: '999999' },
  ];
  for (const c of cases) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: admin.headers,
      payload: { name: 'x', ...c },
    });
    t.equal(res.statusCode, 422, JSON.stringify(c));
    t.equal(res.json().code, 'SCOPE_INVALID');
  }
});

t.test('only an admin manages keys', async (t) => {
  const county = await createTestKey(db, 'county-operator', { regionCode: '500230' });
  const res = await app.inject({ method: 'GET', url: '/v1/api-keys', headers: county.headers });
  t.equal(res.statusCode, 403);
  t.equal(res.json().code, 'FORBIDDEN_ROLE');
});

t.test('a revoked key answers 401 KEY_REVOKED', async (t) => {
  const victim = await createTestKey(db, 'dashboard', { regionCode: '500230' });
  t.equal((await app.inject({ method: 'GET', url: '/v1/regions/500230', headers: victim.headers })).statusCode, 200);
  const del = await app.inject({ method: 'DELETE', url: `/v1/api-keys/${victim.id}`, headers: admin.headers });
  t.equal(del.statusCode, 204);
  const after = await app.inject({ method: 'GET', url: '/v1/regions/500230', headers: victim.headers });
  t.equal(after.statusCode, 401);
  t.equal(after.json().code, 'KEY_REVOKED');
  const missing = await app.inject({
    method: 'DELETE',
    url: '/v1/api-keys/00000000-0000-4000-8000-000000000000',
    headers: admin.headers,
  });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'API_KEY_NOT_FOUND');
});

t.test('a key revoked on another service stops working here within AUTH_CACHE_MS', async (t) => {
  // A second instance stands for another service sharing the database: it only learns of the
  // revocation when its cached lookup expires.
  const other = await buildApp(SERVICE, enrollmentApp, { db, config: enrollmentConfig({ AUTH_CACHE_MS: '200' }) });
  t.teardown(() => other.close());
  const victim = await createTestKey(db, 'dashboard', { regionCode: '500230' });
  const get = () => other.inject({ method: 'GET', url: '/v1/regions/500230', headers: victim.headers });
  t.equal((await get()).statusCode, 200);
  await app.inject({ method: 'DELETE', url: `/v1/api-keys/${victim.id}`, headers: admin.headers });
  t.equal((await get()).statusCode, 200, 'still trusted from the cache');
  await new Promise((r) => setTimeout(r, 250));
  const after = await get();
  t.equal(after.statusCode, 401);
  t.equal(after.json().code, 'KEY_REVOKED');
});
