// Issue 14, part 4, on reporting: generated requests to every route of its OpenAPI document, and
// generated GraphQL documents and variables at /graphql.
import type { InjectOptions } from 'fastify';
import t from 'tap';
import reportingApp, { SERVICE } from '../services/reporting/src/app.js';
import { ReportingConfigSchema } from '../services/reporting/src/config.js';
import { graphqlBodies, graphqlQueries, introspect } from './helpers/bad-graphql.js';
import { appToFuzz, fuzzEveryRoute } from './helpers/bad-input.js';

const { app, auths } = await appToFuzz(SERVICE, reportingApp, ReportingConfigSchema, { SNAPSHOT_CHECK_MS: '0' });

const county = auths[1] ?? {};

t.test('every route answers bad input with a problem and never with a 5xx', async (t) => {
  const intro = await introspect(app, county);
  t.ok(intro.types.size > 10, 'the schema describes itself');
  const ops = await fuzzEveryRoute(t, app, {
    auths,
    // GraphQL takes a language, not a shape: it gets more documents than a route gets bodies.
    numRuns: (op) => (op.path === '/graphql' ? 3 : 1) * Number(process.env.BAD_INPUT_RUNS ?? 250),
    graphqlPaths: ['/graphql'],
    params: (op, param) => (op.path === '/graphql' && param.name === 'query' ? graphqlQueries(intro) : undefined),
    bodies: (op) => (op.path === '/graphql' && op.method === 'POST' ? graphqlBodies(intro) : undefined),
  });
  t.ok(ops.length > 8, `${ops.length} operations`);
});

t.test('regressions found by the generated requests', async (t) => {
  const county = auths[1] ?? {};
  // RangeError in rules' isoWeekOf for a year before 1000 (the year lost its leading zero).
  const old = await app.inject({ url: '/v1/exports/progress?regionCode=50&year=2000&week=0400-W08', headers: county });
  t.ok(
    old.statusCode < 500 && old.headers['content-type']?.toString().startsWith('application/problem+json'),
    'a week of the year 400',
  );
  // The last week of 9999 ends in the year 10000.
  const last = await app.inject({
    url: '/v1/exports/progress?regionCode=500230&year=2026&week=9999-W52',
    headers: county,
  });
  t.equal(last.statusCode, 400);
  t.equal(last.json().code, 'VALIDATION_FAILED');
  const weekly = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: county,
    payload: { query: '{ weeklyReport(townshipCode: "500230209", year: 2026, week: "0400-W08") { week } }' },
  });
  t.ok(weekly.statusCode < 500 && !weekly.body.includes('INTERNAL_ERROR'), 'GraphQL: a week of the year 400');
  // An object literal for a Date argument reached rules' isCivilDate, which threw on it.
  const objectDate = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: county,
    payload: { query: '{ funding(regionCode: "500230", year: 2026, from: {}) { regionCode } }' },
  });
  t.equal(objectDate.json().errors?.[0]?.extensions?.code, 'VALIDATION_FAILED', 'GraphQL: an object for a day');
});

// Requests mercurius took for program errors (200 INTERNAL_ERROR) before graphql/request-guard.ts
// and the scope's error handler: refused 4xx with a code of ours.
t.test('GraphQL requests that are no requests: 4xx with a code, never INTERNAL_ERROR', async (t) => {
  const county = auths[1] ?? {};
  const json = { ...county, 'content-type': 'application/json' };
  const doc = '{ regions { code } }';
  for (const [name, request] of [
    ['no query', { method: 'GET', url: '/graphql', headers: county }],
    ['an empty query', { method: 'POST', url: '/graphql', headers: json, payload: '{"query":""}' }],
    ['a body without a query', { method: 'POST', url: '/graphql', headers: json, payload: '{}' }],
    ['JSON for a document', { method: 'GET', url: '/graphql?query=9', headers: county }],
    ['a number for a document', { method: 'POST', url: '/graphql', headers: json, payload: '{"query":123}' }],
    ['an array for a document', { method: 'POST', url: '/graphql', headers: json, payload: '{"query":"[1]"}' }],
    ['a broken JSON body', { method: 'POST', url: '/graphql', headers: json, payload: '{"query":' }],
    ['an empty JSON body', { method: 'POST', url: '/graphql', headers: json, payload: '' }],
    [
      'a body without a content-type',
      { method: 'POST', url: '/graphql', headers: county, payload: JSON.stringify({ query: doc }) },
    ],
    [
      'a body past the limit',
      {
        method: 'POST',
        url: '/graphql',
        headers: json,
        payload: JSON.stringify({ query: `${doc}${' '.repeat(1_100_000)}` }),
      },
    ],
    [
      'GET with variables that are a number',
      { method: 'GET', url: `/graphql?query=${encodeURIComponent(doc)}&variables=-1`, headers: county },
    ],
    [
      'GET of a mutation',
      { method: 'GET', url: `/graphql?query=${encodeURIComponent('mutation { x }')}`, headers: county },
    ],
    [
      'GET with an unknown operationName',
      { method: 'GET', url: `/graphql?query=${encodeURIComponent(doc)}&operationName=Nope`, headers: county },
    ],
  ] as const) {
    const res = await app.inject(request as InjectOptions);
    t.ok(res.statusCode >= 400 && res.statusCode < 500, `${name}: ${res.statusCode}`);
    const body = res.json();
    const code = body.code ?? body.errors?.[0]?.extensions?.code;
    t.ok(typeof code === 'string' && code !== 'INTERNAL_ERROR', `${name}: ${code}`);
  }
  const costly = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: county,
    payload: { query: doc, operationName: 'Nope' },
  });
  t.not(
    costly.json().errors?.[0]?.extensions?.code,
    'QUERY_TOO_COSTLY',
    'an unknown operationName is not a costly query',
  );
});
