// Issue 14, part 4, on subsidy-identity: generated requests to every route of its OpenAPI document.
import t from 'tap';
import subsidyIdentityApp, { SERVICE, SubsidyIdentityConfigSchema } from '../services/subsidy-identity/src/app.js';
import { appToFuzz, fuzzEveryRoute } from './helpers/bad-input.js';

const { tdb, app, auths } = await appToFuzz(SERVICE, subsidyIdentityApp, SubsidyIdentityConfigSchema);

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
