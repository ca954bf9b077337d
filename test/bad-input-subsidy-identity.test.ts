// Issue 14, part 4, on subsidy-identity: generated requests to every route of its OpenAPI document.
import { createTestDatabase } from '@rmi/db';
import { buildApp, testConfig } from '@rmi/service-kit';
import t from 'tap';
import subsidyIdentityApp, { SERVICE, SubsidyIdentityConfigSchema } from '../services/subsidy-identity/src/app.js';
import { authsFor, FUZZ_CONFIG, fuzzEveryRoute, loadPolicy } from './helpers/bad-input.js';

const tdb = await createTestDatabase();
// The 2026 notice before the app is built, so its first request finds a policy in force.
await loadPolicy(tdb.db);
const app = await buildApp(SERVICE, subsidyIdentityApp, {
  db: tdb.db,
  config: testConfig(FUZZ_CONFIG, SubsidyIdentityConfigSchema),
});
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});

const auths = await authsFor(tdb.db);

t.test('every route answers bad input with a problem and never with a 5xx', async (t) => {
  const ops = await fuzzEveryRoute(t, app, { auths, numRuns: Number(process.env.BAD_INPUT_RUNS ?? 250) });
  t.ok(ops.length > 15, `${ops.length} operations`);
});

t.test('regressions found by the generated requests', async (t) => {
  const admin = auths[0] ?? {};
  // A share of 18 digits after the point: the audit row masked it as an ID number inside the JSON
  // of its details, which PostgreSQL then refused (500).
  const res = await app.inject({
    method: 'PUT',
    url: '/v1/feeds/settings/civil-affairs',
    headers: admin,
    payload: { minRowShare: 0.002021549011643826 },
  });
  t.equal(res.statusCode, 200);
  const row = await tdb.db
    .selectFrom('core.audit_log')
    .select('details')
    .where('action', '=', 'feed.settings')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  t.equal((row.details as { after: { minRowShare: number } }).after.minRowShare, 0.002021549011643826);
});
