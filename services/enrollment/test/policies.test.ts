import { readFileSync } from 'node:fs';
import { loadBuiltInPolicies } from '@rmi/db';
import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { setup } from './helpers.js';

const { app, db } = await setup(t);
const admin = await createTestKey(db, 'admin');
const county = await createTestKey(db, 'county-operator', { regionCode: '500230' });
// An invented notice for 2026 (numbers and citations made up for the test).
const cq2026 = JSON.parse(readFileSync(new URL('../../../test/fixtures/cq-2026.json', import.meta.url), 'utf8'));

const load = (doc: unknown, headers: Record<string, string> = admin.headers) =>
  app.inject({ method: 'POST', url: '/v1/policies', headers, payload: doc as Record<string, unknown> });
const quote2026 = (paidOn: string) =>
  app.inject({ method: 'POST', url: '/v1/quotes', payload: { regionCode: '500230209', year: 2026, paidOn } });

t.test('the four notices are in force after start-up, readable without a key', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/v1/policies' });
  t.equal(res.statusCode, 200);
  t.same(
    res.json().map((p: { id: string; version: number; origin: string }) => [p.id, p.version, p.origin]),
    [
      ['cq-2023', 1, 'built-in'],
      ['cq-2024', 1, 'built-in'],
      ['xiaoyi-2024', 1, 'built-in'],
      ['cq-2025', 1, 'built-in'],
    ],
  );
  const one = await app.inject({ method: 'GET', url: '/v1/policies/cq-2025' });
  t.match(one.json(), {
    id: 'cq-2025',
    year: 2025,
    inForce: true,
    document: { standards: { resident: { tier1Fen: 40000 } } },
  });
  t.equal((await app.inject({ method: 'GET', url: '/v1/policies?year=2024' })).json().length, 2);
  t.match((await app.inject({ method: 'GET', url: '/v1/policies/cq-2099' })).json(), {
    status: 404,
    code: 'POLICY_NOT_FOUND',
  });
});

t.test('a new year is supported by loading its document: no code change', async (t) => {
  t.match((await quote2026('2025-10-01')).json(), { status: 404, code: 'POLICY_NOT_FOUND' }, 'not before the load');

  const res = await load(cq2026);
  t.equal(res.statusCode, 201);
  t.same(res.json(), { id: 'cq-2026', version: 1, created: true });

  const q = await quote2026('2025-10-01');
  t.equal(q.statusCode, 200);
  t.match(q.json(), { policyId: 'cq-2026', standardFen: 42000, personalFen: 42000, benefitStart: '2026-01-01' });
  t.ok(q.json().reasons.some((r: { source: string }) => r.source.startsWith('cq-2026-notice.txt#')));

  const listed = (await app.inject({ method: 'GET', url: '/v1/policies?year=2026' })).json();
  t.match(listed, [{ id: 'cq-2026', version: 1, origin: 'api', loadedBy: admin.id }]);

  const audit = await db.selectFrom('core.audit_log').selectAll().where('action', '=', 'policy.load').execute();
  t.match(audit, [{ entity: 'policy', entity_id: 'cq-2026@1', actor_key_id: admin.id }]);

  const again = await load(cq2026);
  t.equal(again.statusCode, 200, 'loading the same document again changes nothing');
  t.same(again.json(), { id: 'cq-2026', version: 1, created: false });
});

t.test('a corrected document becomes version 2; version 1 stays readable', async (t) => {
  const corrected = structuredClone(cq2026);
  corrected.standards.resident.tier1Fen = 43000;
  corrected.standards.resident.tier2Fen = 81000;
  // The assistance rows restate the standard: the full-assistance row follows it, and the 90% row
  // is checked against it by the schema.
  corrected.assistance.rows[0].tier1Fen = 43000;
  corrected.assistance.rows[1].tier1Fen = 38700;
  const res = await load(corrected);
  t.same(res.json(), { id: 'cq-2026', version: 2, created: true });
  t.match((await quote2026('2025-10-01')).json(), { standardFen: 43000 }, 'in force at once');
  const v1 = await app.inject({ method: 'GET', url: '/v1/policies/cq-2026?version=1' });
  t.match(v1.json(), { version: 1, inForce: false, document: { standards: { resident: { tier1Fen: 42000 } } } });
  const versions = await app.inject({ method: 'GET', url: '/v1/policies/cq-2026/versions' });
  t.same(
    versions.json().map((v: { version: number }) => v.version),
    [2, 1],
  );
  t.match((await app.inject({ method: 'GET', url: '/v1/policies/cq-2026?version=9' })).json(), {
    code: 'POLICY_VERSION_NOT_FOUND',
  });
});

t.test('a bad document is refused with every problem listed, and the version in force stays', async (t) => {
  const broken = structuredClone(cq2026);
  delete broken.title;
  broken.standards.resident.tier1Fen = -5;
  broken.periods.concentrated.from = '2025-13-01';
  broken.assistance.rows[1].tier1PercentOfStandard = 95;
  broken.unexpected = true;
  const res = await load(broken);
  t.equal(res.statusCode, 422);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  const body = res.json();
  t.equal(body.code, 'POLICY_INVALID');
  const paths = body.errors.map((e: { path: string }) => e.path);
  for (const expected of ['body.title', 'body.standards.resident.tier1Fen', 'body.periods.concentrated.from', 'body']) {
    t.ok(paths.includes(expected), `${expected} is listed`);
  }
  t.match((await quote2026('2025-10-01')).json(), { standardFen: 43000 }, 'version 2 still quotes');
  const versions = (await app.inject({ method: 'GET', url: '/v1/policies/cq-2026/versions' })).json();
  t.equal(versions.length, 2, 'nothing stored');
});

t.test('a second document for the same region and year is a conflict; a township override is not', async (t) => {
  const twin = { ...structuredClone(cq2026), id: 'cq-2026-copy' };
  const res = await load(twin);
  t.equal(res.statusCode, 409);
  t.match(res.json(), { code: 'POLICY_OVERLAP', policies: ['cq-2026'] });

  const township = structuredClone(cq2026);
  delete township.assistance;
  Object.assign(township, {
    id: 'cq-2026-lizi',
    regionCodes: ['500230209'],
    standards: { resident: { tier1Fen: 41000, tier2Fen: 79000, source: 'cq-2026-notice.txt#四(一)' } },
  });
  t.equal((await load(township)).statusCode, 201);
  t.match((await quote2026('2025-10-01')).json(), { policyId: 'cq-2026-lizi', standardFen: 41000 });
});

t.test('only an admin loads policies', async (t) => {
  t.match((await load(cq2026, county.headers)).json(), { status: 403, code: 'FORBIDDEN_ROLE' });
  t.match((await load(cq2026, {})).json(), { status: 401, code: 'UNAUTHENTICATED' });
});

t.test('a restart does not put a built-in document back over one an operator loaded', async (t) => {
  const current = (await app.inject({ method: 'GET', url: '/v1/policies/cq-2025' })).json();
  const amended = structuredClone(current.document);
  amended.notes = [
    ...(amended.notes ?? []),
    { topic: 'continuity', text: 'county reading of 003#七', source: '003_01f4ef08c34ea7cb.txt#七' },
  ];
  t.same((await load(amended)).json(), { id: 'cq-2025', version: 2, created: true });
  await loadBuiltInPolicies(db);
  const after = (await app.inject({ method: 'GET', url: '/v1/policies/cq-2025' })).json();
  t.match(after, { version: 2, origin: 'api' });
});
