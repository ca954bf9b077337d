import { createTestDatabase } from '@rmi/db';
import { buildApp, ConfigError, createTestKey, loadConfig, testConfig } from '@rmi/service-kit';
import { buildSchema, getIntrospectionQuery } from 'graphql';
import type { KyselyPlugin } from 'kysely';
import t from 'tap';
import reportingApp, { SERVICE } from '../src/app.js';
import { ReportingConfigSchema } from '../src/config.js';
import { FIELD_COSTS } from '../src/graphql/field-costs.js';
import { schema } from '../src/graphql/schema.js';

const tdb = await createTestDatabase();

// Every statement the app sends, seen on its way to the real database: a refused query must add none.
const statements: string[] = [];
const observer: KyselyPlugin = {
  transformQuery: (args) => {
    statements.push(args.node.kind);
    return args.node;
  },
  transformResult: async (args) => args.result,
};
const db = tdb.db.withPlugin(observer);

// Keys are looked up once and then trusted from memory, so the auth look-up does not count below.
const config = testConfig({ AUTH_CACHE_MS: '300000' }, ReportingConfigSchema);
const app = await buildApp(SERVICE, reportingApp, { db, config });
t.teardown(async () => {
  await app.close();
  await tdb.destroy();
});

const dash = await createTestKey(tdb.db, 'dashboard', { regionCode: '500230' });
const post = (payload: unknown, headers: Record<string, string> = dash.headers) =>
  app.inject({ method: 'POST', url: '/graphql', headers, payload: payload as Record<string, unknown> });
await post({ query: '{ __typename }' }); // the key is now cached

/** Sends a query and returns its answer with the statements it sent to the database. */
async function run(payload: unknown) {
  statements.length = 0;
  const res = await post(payload);
  return { res, body: res.json(), statements: [...statements] };
}

const progress = (alias: string, directive = '') =>
  `${alias}: enrolmentProgress(regionCode: "500230209", year: 2025) ${directive} { total { code paid target completionRate } }`;

t.test('200 aliased enrolmentProgress fields are refused before any database query', async (t) => {
  const query = `{ ${Array.from({ length: 200 }, (_, i) => progress(`p${i}`)).join('\n')} }`;
  const { res, body, statements } = await run({ query });
  t.equal(res.statusCode, 400);
  t.match(res.headers['content-type'], /application\/json/);
  t.equal(body.data, null, 'nothing executed');
  t.equal(body.errors[0].extensions.code, 'TOO_MANY_ALIASES');
  t.match(body.errors[0].message, /Aliases limit of 30 exceeded, found 200/);
  t.same(statements, [], 'no statement reached the database');

  const again = await run({ query });
  t.equal(again.body.errors[0].extensions.code, 'TOO_MANY_ALIASES', 'refused again, from the cache');
});

t.test('a query within the alias limit but too costly is refused before any database query', async (t) => {
  const query = `{ ${Array.from({ length: 12 }, (_, i) => progress(`p${i}`)).join('\n')} }`;
  const { res, body, statements } = await run({ query });
  t.equal(res.statusCode, 400);
  t.equal(body.errors.length, 1);
  t.match(body.errors[0], {
    message: /The query costs \d+, more than the limit of 1000/,
    extensions: { code: 'QUERY_TOO_COSTLY', maxCost: 1000 },
  });
  t.ok(body.errors[0].extensions.cost > 1000);
  t.same(statements, []);
});

t.test('the cost counts what the variables include', async (t) => {
  const query = `query Page($all: Boolean!) {
    township: enrolmentProgress(regionCode: "500230209", year: 2025) { total { paid } }
    ${Array.from({ length: 12 }, (_, i) => progress(`p${i}`, '@include(if: $all)')).join('\n')}
  }`;
  const cheap = await run({ query, variables: { all: false } });
  t.equal(cheap.res.statusCode, 200);
  t.equal(cheap.body.errors, undefined);
  t.equal(cheap.body.data.township.total.paid, 0);
  t.ok(cheap.statements.length > 0, 'answered from the database');

  const costly = await run({ query, variables: { all: true } });
  t.equal(costly.res.statusCode, 400);
  t.equal(costly.body.errors[0].extensions.code, 'QUERY_TOO_COSTLY');
  t.same(costly.statements, []);
});

t.test('fragments standing for more fields than can be counted are too costly', async (t) => {
  // Each fragment spreads the one before twice: 15 lines that stand for 2^14 copies of `regions`.
  const fragments = Array.from({ length: 15 }, (_, i) =>
    i === 0 ? 'fragment F0 on Query { regions { code } }' : `fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`,
  );
  const { res, body, statements } = await run({ query: `{ ...F14 }\n${fragments.join('\n')}` });
  t.equal(res.statusCode, 400);
  t.equal(body.errors[0].extensions.code, 'QUERY_TOO_COSTLY');
  t.same(statements, []);
});

t.test('a variable of the wrong type is refused before any database query', async (t) => {
  const query = 'query P($year: Int!) { enrolmentProgress(regionCode: "500230209", year: $year) { total { paid } } }';
  // The document is compiled (graphql-jit) the second time it is seen, with whatever variables come.
  for (const year of ['this year', 2025, 'this year', 'this year']) {
    const { res, body, statements } = await run({ query, variables: { year } });
    if (year === 2025) {
      t.equal(res.statusCode, 200);
      continue;
    }
    t.equal(res.statusCode, 400);
    t.match(body.errors[0], { message: /\$year/, extensions: { code: 'VALIDATION_FAILED' } });
    t.same(statements, []);
  }
});

t.test('a query nested deeper than the limit is refused before any database query', async (t) => {
  const nested = (levels: number): string => (levels === 0 ? 'code' : `code children { ${nested(levels - 1)} }`);
  const { res, body, statements } = await run({ query: `{ region(code: "500230") { ${nested(8)} } }` });
  t.equal(res.statusCode, 400);
  t.equal(body.errors.length, 1);
  t.match(body.errors[0], {
    message: /Query depth limit of 8 exceeded, found 10/,
    extensions: { code: 'QUERY_TOO_DEEP' },
  });
  t.same(statements, []);

  // Each `fields { type {` multiplies the answer by the fields of every type.
  const fieldsOfFields = (levels: number): string =>
    levels === 0 ? 'name' : `fields { type { ${fieldsOfFields(levels - 1)} } }`;
  const bomb = await run({ query: `{ __schema { types { ${fieldsOfFields(7)} } } }` });
  t.equal(bomb.res.statusCode, 400, 'introspection that multiplies its answer is refused too');
  t.match(bomb.body.errors, [{ message: /Maximum introspection depth exceeded/ }]);
});

t.test('the introspection query GraphiQL sends is answered', async (t) => {
  for (const query of [
    getIntrospectionQuery(),
    getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true, directiveIsRepeatable: true }),
  ]) {
    const { res, body } = await run({ query, operationName: 'IntrospectionQuery' });
    t.equal(res.statusCode, 200);
    t.equal(body.errors, undefined);
    t.ok(
      body.data.__schema.types.some((type: { name: string }) => type.name === 'ProgressReport'),
      'the schema is described',
    );
  }
});

t.test('a township dashboard page is answered in one request', async (t) => {
  const { res, body } = await run({
    query: `query Township($code: String!, $year: Int!) {
      region(code: $code) { code name level children { code name } }
      enrolmentProgress(regionCode: $code, year: $year) {
        total { code name target registered paid completionRate }
        children { code name target registered paid cancelled transferred completionRate }
      }
      county: enrolmentProgress(regionCode: "500230", year: $year) { total { paid target completionRate } }
    }`,
    variables: { code: '500230209', year: 2025 },
    operationName: 'Township',
  });
  t.equal(res.statusCode, 200);
  t.equal(body.errors, undefined);
  t.equal(body.data.region.name, '栗子乡');
  t.equal(body.data.enrolmentProgress.children.length, body.data.region.children.length);
  t.equal(body.data.county.total.paid, 0);
});

t.test('only the operation named runs, so only it is priced', async (t) => {
  const costly = `query Costly { ${Array.from({ length: 12 }, (_, i) => progress(`p${i}`)).join('\n')} }`;
  const document = `${costly}\nquery Names { regions { code } }`;
  const names = await run({ query: document, operationName: 'Names' });
  t.equal(names.res.statusCode, 200);
  t.ok(Array.isArray(names.body.data.regions));
  const refused = await run({ query: document, operationName: 'Costly' });
  t.equal(refused.body.errors[0].extensions.code, 'QUERY_TOO_COSTLY');
  const get = await app.inject({
    method: 'GET',
    url: `/graphql?${new URLSearchParams({ query: document, operationName: 'Costly' })}`,
    headers: dash.headers,
  });
  t.equal(get.statusCode, 400);
  t.equal(get.json().errors[0].extensions.code, 'QUERY_TOO_COSTLY', 'GET is priced the same way');
});

t.test('a batch (an array body) is refused before any database query', async (t) => {
  const { res, body, statements } = await run([{ query: '{ regions { code } }' }, { query: '{ regions { code } }' }]);
  t.equal(res.statusCode, 400);
  t.equal(body.data, null);
  t.match(body.errors, [{ message: /must be object/ }]);
  t.same(statements, []);
});

t.test('a document breaking several rules at once is still answered 400', async (t) => {
  const aliases = Array.from({ length: 31 }, (_, i) => `r${i}: regions { code }`).join(' ');
  const { res, body, statements } = await run({ query: `{ nosuchfield ${aliases} }` });
  t.equal(res.statusCode, 400, 'mercurius alone would answer 200 here');
  t.equal(body.errors.length, 2);
  t.ok(body.errors.some((e: { extensions?: { code?: string } }) => e.extensions?.code === 'TOO_MANY_ALIASES'));
  t.same(statements, []);
});

t.test('the limits come from the configuration, and GraphiQL still works at the lowest', async (t) => {
  const strict = await buildApp(SERVICE, reportingApp, {
    db: tdb.db,
    config: testConfig(
      { GRAPHQL_MAX_DEPTH: '3', GRAPHQL_MAX_ALIASES: '2', GRAPHQL_MAX_COST: '250' },
      ReportingConfigSchema,
    ),
  });
  t.teardown(() => strict.close());
  const send = async (query: string) =>
    (await strict.inject({ method: 'POST', url: '/graphql', headers: dash.headers, payload: { query } })).json();
  t.equal((await send('{ region(code: "500230") { level } }')).data.region.level, 'county');
  t.equal(
    (await send('{ region(code: "500230") { children { children { code } } } }')).errors[0].extensions.code,
    'QUERY_TOO_DEEP',
  );
  t.equal(
    (await send('{ a: regions { code } b: regions { code } c: regions { code } }')).errors[0].extensions.code,
    'TOO_MANY_ALIASES',
  );
  t.equal(
    (
      await send(
        `{ ${progress('a')} ${progress('b')} enrolmentProgress(regionCode: "500230", year: 2025) { total { paid } } }`,
      )
    ).errors[0].extensions.code,
    'QUERY_TOO_COSTLY',
  );
  t.ok((await send(getIntrospectionQuery())).data.__schema, 'introspection fits the lowest cost limit');

  const bad = (() => {
    try {
      loadConfig(ReportingConfigSchema, { GRAPHQL_MAX_DEPTH: '0', GRAPHQL_MAX_ALIASES: '5', GRAPHQL_MAX_COST: '200' });
    } catch (err) {
      return err;
    }
  })();
  t.ok(bad instanceof ConfigError);
  t.same(
    (bad as ConfigError).issues.map((i) => i.key),
    ['GRAPHQL_MAX_DEPTH', 'GRAPHQL_MAX_COST'],
    'every bad key listed',
  );
});

t.test('every root field reads the database and has a price of its own', async (t) => {
  const query = buildSchema(schema).getQueryType();
  for (const name of Object.keys(query?.getFields() ?? {})) {
    t.ok((FIELD_COSTS[`Query.${name}`] ?? 0) >= 10, `Query.${name} is priced`);
  }
});
