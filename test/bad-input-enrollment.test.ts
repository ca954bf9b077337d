// Issue 14, part 4, on enrollment: generated requests to every route of its OpenAPI document.
import t from 'tap';
import enrollmentApp, { EnrollmentConfigSchema, SERVICE } from '../services/enrollment/src/app.js';
import { appToFuzz, fuzzEveryRoute } from './helpers/bad-input.js';

const { app, auths } = await appToFuzz(SERVICE, enrollmentApp, EnrollmentConfigSchema);

t.test('every route answers bad input with a problem and never with a 5xx', async (t) => {
  const ops = await fuzzEveryRoute(t, app, { auths, numRuns: Number(process.env.BAD_INPUT_RUNS ?? 250) });
  t.ok(ops.length > 30, `${ops.length} operations`);
});

t.test('regressions found by the generated requests', async (t) => {
  const admin = auths[0] ?? {};
  // Nesting deep enough to exhaust the stack of the NUL guard's walk: was 500, now refused.
  for (const depth of [65, 5_000, 20_000]) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/households',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: `{"":${'['.repeat(depth)}1${']'.repeat(depth)}}`,
    });
    t.equal(res.statusCode, 400, `nested ${depth} deep`);
    t.equal(res.json().code, 'VALIDATION_FAILED');
  }
  const shallow = await app.inject({
    method: 'POST',
    url: '/v1/quotes',
    headers: { ...admin, 'content-type': 'application/json' },
    payload: `{"x":${'['.repeat(60)}1${']'.repeat(60)}}`,
  });
  t.not(
    shallow.json().errors?.[0]?.message,
    'nested deeper than 64 levels',
    'nesting within the bound is left to validation',
  );
});
