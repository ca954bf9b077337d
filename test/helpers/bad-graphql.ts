import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { rarely } from './bad-input.js';

// GraphQL documents for the bad-input test, built from the schema the endpoint itself describes
// (introspection), so a field added later is asked for without editing the test: right fields
// with wrong arguments, unknown fields, variables of the wrong type, documents too deep or too
// wide, and text that is not GraphQL at all.

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface Field {
  name: string;
  args: Array<{ name: string; type: TypeRef }>;
  type: TypeRef;
}
interface FullType {
  kind: string;
  name: string;
  fields: Field[] | null;
  inputFields: Array<{ name: string; type: TypeRef }> | null;
  enumValues: Array<{ name: string }> | null;
}
export interface Introspection {
  queryType: string;
  types: Map<string, FullType>;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';

export async function introspect(app: FastifyInstance, headers: Record<string, string>): Promise<Introspection> {
  const query = `{ __schema { queryType { name } types { kind name
    fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } }
    inputFields { name type { ${TYPE_REF} } } enumValues { name } } } }`;
  const res = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query } });
  const schema = res.json().data.__schema;
  return {
    queryType: schema.queryType.name,
    types: new Map((schema.types as FullType[]).map((t) => [t.name, t])),
  };
}

const named = (ref: TypeRef): string => (ref.ofType ? named(ref.ofType) : (ref.name ?? ''));
const typeText = (ref: TypeRef): string =>
  ref.kind === 'NON_NULL'
    ? `${typeText(ref.ofType as TypeRef)}!`
    : ref.kind === 'LIST'
      ? `[${typeText(ref.ofType as TypeRef)}]`
      : (ref.name ?? 'String');

const REGIONS = ['500230', '500230209', '500230209200', '50', '5002', '999999', ''];
const noNul = (s: string) => s.replaceAll('\0', '');
const gqlString = (s: string) => JSON.stringify(s);

/** A value as GraphQL literal text and as JSON, for the type of an argument. */
function literal(intro: Introspection, ref: TypeRef, name: string, depth = 0): fc.Arbitrary<unknown> {
  const wrong = fc.constantFrom<unknown>(
    null,
    'x',
    '',
    -1,
    0,
    1.5,
    2 ** 31,
    1e300,
    true,
    [],
    {},
    '9'.repeat(5000),
    '2026-02-30',
    '中文',
    'DROP TABLE x',
  );
  if (depth > 3) return wrong;
  const right = (): fc.Arbitrary<unknown> => {
    if (ref.kind === 'NON_NULL') return literal(intro, ref.ofType as TypeRef, name, depth);
    if (ref.kind === 'LIST') return fc.array(literal(intro, ref.ofType as TypeRef, name, depth + 1), { maxLength: 3 });
    const type = intro.types.get(ref.name ?? '');
    switch (ref.name) {
      case 'Int':
        return fc.oneof(fc.integer({ min: 2000, max: 2100 }), fc.integer({ min: -5, max: 300 }), fc.integer());
      case 'Float':
      case 'Fen':
        return fc.oneof(fc.integer({ min: -1, max: 1e9 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
      case 'Boolean':
        return fc.boolean();
      case 'Date':
        return fc.oneof(
          fc
            .date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
            .map((d) => d.toISOString().slice(0, 10)),
          fc.constantFrom('2026-13-01', '2026-1-1', '20260101', 'yesterday'),
        );
      case 'ID':
      case 'String':
        return fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...REGIONS) },
          { weight: 1, arbitrary: fc.constantFrom('2026-W10', '2026-W53', '2026-W00', 'W1', 'abc') },
          { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }).map(noNul) },
        );
    }
    if (type?.kind === 'ENUM') return fc.constantFrom(...(type.enumValues ?? []).map((v) => ({ enum: v.name })));
    if (type?.kind === 'INPUT_OBJECT') {
      const fields = (type.inputFields ?? []).map((f) =>
        fc.option(
          literal(intro, f.type, f.name, depth + 1).map((v) => [f.name, v] as const),
          { nil: undefined },
        ),
      );
      return fc.tuple(...fields).map((es) => Object.fromEntries(es.filter((e) => e !== undefined)));
    }
    return wrong;
  };
  return fc.oneof({ weight: 6, arbitrary: right() }, { weight: 1, arbitrary: wrong });
}

/** GraphQL literal text of a generated value (an enum value as `{ enum: NAME }`). */
function asGraphql(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(asGraphql).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as object);
    if (entries.length === 1 && entries[0]?.[0] === 'enum') return String(entries[0][1]);
    return `{${entries.map(([k, v]) => `${k}: ${asGraphql(v)}`).join(', ')}}`;
  }
  if (typeof value === 'string') return gqlString(value);
  return String(value);
}

const asJson = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(asJson)
    : value && typeof value === 'object'
      ? Object.keys(value).length === 1 && 'enum' in value
        ? (value as { enum: string }).enum
        : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asJson(v)]))
      : value;

interface Built {
  text: string;
  variables: Array<{ name: string; type: string; value: unknown }>;
}

/**
 * A selection of an object type's fields, arguments inline or as variables (named by where they
 * stand, so no two clash), now and then an alias, a field that does not exist or a fragment.
 */
function selection(
  intro: Introspection,
  typeName: string,
  depth: number,
  inline = false,
  at = 'v',
): fc.Arbitrary<Built> {
  const type = intro.types.get(typeName);
  const fields = (type?.fields ?? []).filter((f) => !f.name.startsWith('__'));
  if (fields.length === 0 || depth > 10) return fc.constant({ text: '__typename', variables: [] });
  const field = (f: Field, place: string): fc.Arbitrary<Built> => {
    const isObject = intro.types.get(named(f.type))?.kind === 'OBJECT';
    const args = fc.tuple(
      ...f.args.map((a) =>
        fc.option(
          fc
            .tuple(literal(intro, a.type, a.name), inline ? fc.constant(false) : fc.boolean())
            .map(([value, asVariable]) => ({ arg: a, value, asVariable })),
          // An argument, required or not, is left out one time in eight.
          { freq: 8, nil: undefined },
        ),
      ),
    );
    const sub = isObject ? selection(intro, named(f.type), depth + 1, inline, `${place}_`) : fc.constant(null);
    return fc.tuple(args, sub, rarely(fc.constant(`${place}`), 6)).map(([as, s, alias]) => {
      const variables: Built['variables'] = [...(s?.variables ?? [])];
      const argText = as
        .filter((a) => a !== undefined)
        .map(({ arg, value, asVariable }) => {
          if (!asVariable) return `${arg.name}: ${asGraphql(value)}`;
          const name = `${place}_${arg.name}`;
          variables.push({ name, type: typeText(arg.type), value: asJson(value) });
          return `${arg.name}: $${name}`;
        });
      const head = `${alias ? `${alias}: ` : ''}${f.name}${argText.length ? `(${argText.join(', ')})` : ''}`;
      return { text: s ? `${head} { ${s.text} }` : head, variables };
    });
  };
  const extra = fc.constantFrom('__typename', 'nope', 'code { name }', '... on Region { code }', '...F');
  return fc
    .uniqueArray(fc.constantFrom(...fields), { minLength: 1, maxLength: 3, selector: (f) => f.name })
    .chain((fs) => fc.tuple(...fs.map((f, i) => field(f, `${at}${i}`))))
    .chain((parts) =>
      rarely(extra, 6).map((more) => ({
        text: [...parts.map((p) => p.text), ...(more ? [more] : [])].join(' '),
        variables: parts.flatMap((p) => p.variables),
      })),
    );
}

const GARBAGE = [
  '',
  '{',
  '}',
  'query',
  'mutation { x }',
  'subscription { x }',
  'query Q($a: Int) { progress(regionCode: "500230", year: $a) { year } }',
  '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }',
  '{ __type(name: "Region") { name } }',
  'fragment F on Region { ...F } { region(code: "500230") { ...F } }',
  '{ region(code: "500230") { ...Missing } }',
  'query A { region(code: "50") { code } } query A { regions { code } }',
  '{ region(code: """500230""") { code } }',
  '{ region(code: "\\u0041") { code } }',
  '#'.repeat(5000),
];

/** A POST body for /graphql: documents from the schema, broken ones, bodies of the wrong shape. */
export function graphqlBodies(intro: Introspection): fc.Arbitrary<{ contentType?: string; payload?: string }> {
  const doc = selection(intro, intro.queryType, 0);
  const deep = fc.integer({ min: 5, max: 400 }).map((n) => ({
    text: `${'regions { children { '.repeat(n)}code${' } }'.repeat(n)}`,
    variables: [],
  }));
  const aliases = fc.integer({ min: 20, max: 2000 }).map((n) => ({
    text: Array.from({ length: n }, (_, i) => `a${i}: regions { code }`).join(' '),
    variables: [],
  }));
  const built = fc.oneof(
    { weight: 8, arbitrary: doc },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: aliases },
  );
  const request = fc
    .tuple(
      built,
      fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom('query', 'query Q', '') },
        { weight: 1, arbitrary: fc.constantFrom('mutation', 'subscription') },
      ),
      rarely(fc.constantFrom<unknown>('Q', 'Nope', '', 123, {}), 4),
      rarely(fc.constantFrom<unknown>('x', [], 1, { v: 1 }), 8),
      rarely(fc.constantFrom('fragment F on Region { code }', 'fragment F on Nope { x }'), 6),
    )
    .map(([b, keyword, operationName, wrongVariables, fragment]) => {
      const declared = b.variables.map((v) => `$${v.name}: ${v.type}`).join(', ');
      const head = keyword === '' && declared === '' ? '' : `${keyword || 'query'}${declared ? `(${declared})` : ''} `;
      const query = `${head}{ ${b.text} }${fragment ? ` ${fragment}` : ''}`;
      const variables = wrongVariables ?? Object.fromEntries(b.variables.map((v) => [v.name, v.value]));
      return JSON.stringify({
        query,
        variables,
        ...(operationName === null ? {} : { operationName }),
      });
    });
  const broken = fc.oneof(
    fc.constantFrom(...GARBAGE).map((query) => JSON.stringify({ query })),
    fc.string({ unit: 'grapheme', maxLength: 200 }).map((query) => JSON.stringify({ query: noNul(query) })),
    doc.chain((b) =>
      fc.nat({ max: b.text.length }).map((cut) => JSON.stringify({ query: `{ ${b.text}`.slice(0, cut + 2) })),
    ),
    fc
      .constantFrom<unknown>(
        { query: 123 },
        { query: null },
        { query: ['{ regions { code } }'] },
        { query: '{ regions { code } }', variables: '{"a":' },
        { query: '{ regions { code } }', variables: 'not json' },
        [{ query: '{ regions { code } }' }, { query: '{ regions { code } }' }],
        [],
        {},
        'text',
        null,
      )
      .map((v) => JSON.stringify(v)),
  );
  return fc.oneof(
    { weight: 6, arbitrary: request.map((payload) => ({ contentType: 'application/json', payload })) },
    { weight: 2, arbitrary: broken.map((payload) => ({ contentType: 'application/json', payload })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { contentType: 'application/graphql', payload: '{ regions { code } }' },
        { contentType: 'text/plain', payload: '{ regions { code } }' },
        { contentType: 'application/json', payload: '{"query":' },
        { contentType: 'application/json', payload: '' },
        { payload: '{"query":"{ regions { code } }"}' },
      ),
    },
  );
}

/** A document for GET /graphql?query=…, the same generator without variables. */
export function graphqlQueries(intro: Introspection): fc.Arbitrary<string> {
  return fc.oneof(
    selection(intro, intro.queryType, 0, true).map((b) => `{ ${b.text} }`),
    fc.constantFrom(...GARBAGE),
  );
}
