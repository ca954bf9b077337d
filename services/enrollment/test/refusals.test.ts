import { createTestDatabase } from '@rmi/db';
import { checkCharacter } from '@rmi/rules';
import { buildApp, createTestKey, hashKey } from '@rmi/service-kit';
import t from 'tap';
import enrollmentApp, { SERVICE } from '../src/app.js';
import { enrollmentConfig, idNumbers } from './helpers.js';

// What the service refuses, and how: each answer is problem+json with a stable code, never a 500.

const tdb = await createTestDatabase();
const app = await buildApp(SERVICE, enrollmentApp, {
  db: tdb.db,
  config: enrollmentConfig({ AUTH_FAILURES_PER_MINUTE: '20', RATE_LIMIT_PER_MINUTE: '30' }),
});
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});
const db = tdb.db;

const LIZI = '500230209';
const LIZI_VILLAGE = '500230209200';
const operator = await createTestKey(db, 'township-operator', { regionCode: LIZI });
const dashboard = await createTestKey(db, 'dashboard', { regionCode: LIZI });
const admin = await createTestKey(db, 'admin');
const idNumber = idNumbers();

const problem = (res: { headers: Record<string, unknown>; json(): any }) => {
  if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) return { code: 'not problem+json' };
  return res.json();
};

t.test('a NUL character in any string field, query or path parameter is 400 VALIDATION_FAILED', async (t) => {
  const body = await app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: operator.headers,
    payload: { idNumber: idNumber(), name: '王\u0000五', phone: '1380000\u00001234', hukouRegionCode: LIZI_VILLAGE },
  });
  t.equal(body.statusCode, 400);
  t.match(problem(body), {
    code: 'VALIDATION_FAILED',
    errors: [
      { path: 'body.name', message: /NUL/ },
      { path: 'body.phone', message: /NUL/ },
    ],
  });
  const query = await app.inject({
    url: `/v1/persons?villageCode=${LIZI_VILLAGE}&name=%E7%8E%8B%00`,
    headers: operator.headers,
  });
  t.equal(query.statusCode, 400);
  t.match(problem(query), { code: 'VALIDATION_FAILED', errors: [{ path: 'querystring.name' }] });
  const param = await app.inject({ url: '/v1/households/%00', headers: operator.headers });
  t.equal(param.statusCode, 400);
  t.match(problem(param), { code: 'VALIDATION_FAILED', errors: [{ path: 'params.id' }] });
  const none = await db.selectFrom('enrollment.persons').select('id_number').where('name', 'like', '王%').execute();
  t.same(none, [], 'nothing was written');
});

t.test('an ID number born in the future is refused by registration as by the import', async (t) => {
  const first17 = `500230${'30000101'}001`;
  const future = first17 + checkCharacter(first17);
  const res = await app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: operator.headers,
    payload: { idNumber: future, name: '未来', hukouRegionCode: LIZI_VILLAGE },
  });
  t.equal(res.statusCode, 400);
  t.match(problem(res), { code: 'VALIDATION_FAILED', errors: [{ path: 'body.idNumber', message: /birth date/ }] });
  const enrol = await app.inject({
    method: 'POST',
    url: '/v1/enrolments',
    headers: operator.headers,
    payload: { idNumber: future, year: 2026 },
  });
  t.equal(enrol.statusCode, 400, 'enrolment refuses the same number');
  const csv = `身份证号,姓名,村(社区)代码\n${future},未来,${LIZI_VILLAGE}\n`;
  const imported = await app.inject({
    method: 'POST',
    url: '/v1/registration-imports?year=2025&wait=true',
    headers: { ...operator.headers, 'content-type': 'text/csv' },
    payload: csv,
  });
  t.equal(imported.statusCode, 422);
  t.match(problem(imported), { code: 'IMPORT_ROWS_INVALID', errors: [{ line: 2, message: /birth date/ }] });
});

t.test('a path parameter past the router’s limit is 414 PATH_TOO_LONG as problem+json', async (t) => {
  const res = await app.inject({ url: `/v1/persons/${'1'.repeat(300)}`, headers: operator.headers });
  t.equal(res.statusCode, 414);
  t.match(problem(res), { status: 414, code: 'PATH_TOO_LONG' });
});

t.test('the role is checked before the body: a wrong-role key learns no field rules', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: dashboard.headers,
    payload: { idNumber: 'not a number', name: '' },
  });
  t.equal(res.statusCode, 403);
  const body = problem(res);
  t.equal(body.code, 'FORBIDDEN_ROLE');
  t.notOk(body.errors, 'no field is described');
  const upload = await app.inject({
    method: 'POST',
    url: '/v1/registration-imports?year=2025',
    headers: { ...dashboard.headers, 'content-type': 'text/csv' },
    payload: 'anything',
  });
  t.equal(upload.statusCode, 403, 'an upload is refused before it is read');
  t.equal((await db.selectFrom('enrollment.imports').select('id').execute()).length, 1, 'no import was started');
});

t.test('the payment route takes only a service key, not even an admin one', async (t) => {
  const res = await app.inject({
    method: 'PUT',
    url: '/v1/enrolment-payments/ADMIN-1',
    headers: admin.headers,
    payload: { idNumber: idNumber(), year: 2026, paidOn: '2026-03-10', amountFen: 42000 },
  });
  t.equal(res.statusCode, 403);
  t.equal(problem(res).code, 'FORBIDDEN_ROLE');
});

t.test('requests without a valid key are limited by address before any key is looked up', async (t) => {
  const from = '198.51.100.7';
  const codes: number[] = [];
  for (let i = 0; i < 25; i++) {
    const res = await app.inject({
      url: '/v1/me',
      remoteAddress: from,
      headers: i % 2 ? { authorization: `Bearer random-${i}` } : {},
    });
    codes.push(res.statusCode);
  }
  t.same(codes.slice(0, 20), Array(20).fill(401), 'the first 20 are told the key is missing or unknown');
  t.same(codes.slice(20), Array(5).fill(429), 'then the address is refused');
  const limited = await app.inject({ url: '/v1/me', remoteAddress: from, headers: { authorization: 'Bearer x' } });
  t.match(problem(limited), { code: 'RATE_LIMITED', detail: /a minute\); retry in \d+ s/ });
  t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After names the seconds left');
  const other = await app.inject({ url: '/v1/me', remoteAddress: '198.51.100.8', headers: operator.headers });
  t.equal(other.statusCode, 200, 'another address is not affected');
});

t.test('an unknown key is remembered as unknown: presenting it again costs no lookup', async (t) => {
  const key = 'never-issued-key-4711';
  const first = await app.inject({
    url: '/v1/me',
    remoteAddress: '198.51.100.9',
    headers: { authorization: `Bearer ${key}` },
  });
  t.equal(first.statusCode, 401);
  // Planted behind the service's back: were the key looked up again, it would now be found.
  await db
    .insertInto('core.api_keys')
    .values({ name: 'planted', role: 'admin', key_hash: hashKey(key), key_prefix: key.slice(0, 8) })
    .execute();
  const again = await app.inject({
    url: '/v1/me',
    remoteAddress: '198.51.100.9',
    headers: { authorization: `Bearer ${key}` },
  });
  t.equal(again.statusCode, 401, 'answered from the negative cache');
});

t.test('the per-key limit says the window and the seconds left', async (t) => {
  const key = await createTestKey(db, 'collector', { regionCode: LIZI_VILLAGE });
  let last: Awaited<ReturnType<typeof app.inject>> | undefined;
  for (let i = 0; i < 31; i++) last = await app.inject({ url: '/v1/me', headers: key.headers });
  t.equal(last?.statusCode, 429);
  if (last) {
    t.match(problem(last), { code: 'RATE_LIMITED', detail: /30 requests a minute exceeded; retry in \d+ s/ });
    t.ok(Number(last.headers['retry-after']) > 0);
  }
});
