import { readFileSync } from 'node:fs';
import { createPolicyStore, createTestDatabase, type Db, type TestDatabase } from '@rmi/db';
import { inlineRow, sheetXml, xlsxWorkbook } from '@rmi/ingest/testing';
import { checkCharacter, PolicyDocumentSchema } from '@rmi/rules';
import { type AppOptions, type BaseConfig, buildApp, createTestKey, testConfig } from '@rmi/service-kit';
import fc from 'fast-check';
import type { FastifyInstance, FastifyPluginAsync, InjectOptions } from 'fastify';
import t, { type Test } from 'tap';
import type { z } from 'zod';

// Bad input at scale (issue 14, part 4): every operation a service documents at /docs/json gets
// generated requests, loosely shaped by its own schemas and deliberately wrong. What must hold for
// each: no 5xx, and every 4xx is problem+json with a stable code (GraphQL: errors with codes).

type Schema = { [key: string]: unknown };
type OpenApi = { paths: Record<string, Record<string, Schema>>; components?: { schemas?: Record<string, Schema> } };

interface Param {
  name: string;
  required: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  path: string;
  pathParams: Param[];
  queryParams: Param[];
  body?: { schema: Schema; mediaTypes: string[]; upload: boolean };
}

/** A generated request, printed short: fast-check shows counterexamples with it. */
export interface Case {
  request: InjectOptions;
  [fc.toStringMethod](): string;
}

export const CODE = /^[A-Z][A-Z0-9_]+$/;

/** Regions of the test database (demo county 500230), for values that should look right. */
const REGIONS = ['50', '5002', '500230', '500230209', '500230209200', '500230209001', '500230102200', '500233003001'];
const MEDIA_JSON = 'application/json';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

// A raw JSON token (a number JavaScript cannot hold) travels as a marked string until serialised.
const RAW = '\uE000';
const raw = (token: string) => `${RAW}${token}${RAW}`;
const serialise = (value: unknown) =>
  (JSON.stringify(value) ?? 'null').replace(new RegExp(`"${RAW}([^${RAW}]*)${RAW}"`, 'g'), '$1');

/** NUL is refused by its own guard and tested on its own; generated text leaves it out. */
const noNul = (s: string) => s.replaceAll('\0', '');
const text = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength }).map(noNul);
/** `arb` one time in `n`, null otherwise (fc.option's `freq` is the other way round). */
export const rarely = <T>(arb: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: n - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

// ---------------------------------------------------------------------------------------------
// The operations of an OpenAPI document

export function operationsOf(doc: OpenApi): Operation[] {
  const deref = (s: Schema): Schema => {
    const ref = s.$ref;
    if (typeof ref !== 'string') return s;
    return deref(doc.components?.schemas?.[ref.split('/').pop() ?? ''] ?? {});
  };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params = ((op.parameters as Schema[] | undefined) ?? []).map((p) => ({
        in: p.in as string,
        name: p.name as string,
        required: p.required === true,
        schema: resolveAll(deref((p.schema as Schema) ?? {}), deref),
      }));
      const content = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content;
      let body: Operation['body'];
      if (content) {
        const mediaTypes = Object.keys(content);
        const schema = resolveAll(deref(content[mediaTypes[0] ?? '']?.schema ?? {}), deref);
        body = { schema, mediaTypes, upload: schema.type === 'string' && schema.format === 'binary' };
      }
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        body,
      });
    }
  }
  return ops;
}

/** The schema with every $ref replaced (a cycle stops at an open schema). */
function resolveAll(schema: Schema, deref: (s: Schema) => Schema, seen = new Set<Schema>()): Schema {
  const s = deref(schema);
  if (seen.has(s)) return {};
  const inner = new Set(seen).add(s);
  const walk = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(walk) : v && typeof v === 'object' ? resolveAll(v as Schema, deref, inner) : v;
  return Object.fromEntries(
    Object.entries(s).map(([k, v]) => [
      k,
      k === 'properties' && v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, walk(pv)]))
        : k === 'enum' || k === 'const' || k === 'default' || k === 'examples' || k === 'required'
          ? v
          : walk(v),
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// Values that look right, from a schema

/** A valid ID number of someone born in the demo county. */
export const idNumber = fc
  .tuple(fc.integer({ min: 1940, max: 2025 }), fc.integer({ min: 0, max: 999 }))
  .map(([year, serial]) => {
    const first17 = `500230${year}0101${String(serial).padStart(3, '0')}`;
    return first17 + checkCharacter(first17);
  });

const isoDate = fc
  .date({ min: new Date('1990-01-01'), max: new Date('2035-12-31'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

function stringLike(s: Schema, name: string): fc.Arbitrary<string> {
  const alts: fc.Arbitrary<string>[] = [];
  if (/idNumber/i.test(name)) alts.push(idNumber);
  if (/region|village|township|county|code$/i.test(name)) alts.push(fc.constantFrom(...REGIONS));
  if (s.format === 'uuid') alts.push(fc.uuid());
  else if (s.format === 'date') alts.push(isoDate);
  else if (s.format === 'date-time') alts.push(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
  else if (typeof s.pattern === 'string') {
    try {
      alts.push(fc.stringMatching(new RegExp(s.pattern)).map(noNul));
    } catch {
      // a pattern fast-check cannot generate from: plain text below
    }
  }
  if (alts.length === 0) {
    const min = typeof s.minLength === 'number' ? s.minLength : 0;
    const max = Math.max(min, Math.min(typeof s.maxLength === 'number' ? s.maxLength : 24, 24));
    alts.push(fc.string({ unit: 'grapheme', minLength: min, maxLength: max }).map(noNul));
  }
  return fc.oneof(...alts);
}

function numberLike(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const bound = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  const min = Math.max(bound(s.minimum, bound(s.exclusiveMinimum, -1_000_000)), -Number.MAX_SAFE_INTEGER);
  const max = Math.min(bound(s.maximum, bound(s.exclusiveMaximum, 1_000_000)), Number.MAX_SAFE_INTEGER);
  if (min > max) return fc.constant(min);
  return integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** A value the schema would mostly take; `bad` decides how often a part of it is wrong. */
export function schemaValue(s: Schema, name: string, depth: number, bad: number): fc.Arbitrary<unknown> {
  const loose = (inner: Schema, innerName: string): fc.Arbitrary<unknown> =>
    bad > 0
      ? fc.oneof(
          { weight: bad, arbitrary: hostile },
          { weight: 10, arbitrary: schemaValue(inner, innerName, depth + 1, bad) },
        )
      : schemaValue(inner, innerName, depth + 1, bad);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...s.enum);
  const alts = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (Array.isArray(alts) && alts.length > 0) return fc.oneof(...alts.map((a) => schemaValue(a, name, depth, bad)));
  if (Array.isArray(s.allOf) && s.allOf.length > 0) {
    const parts = s.allOf as Schema[];
    const merged: Schema = {
      ...Object.assign({}, ...parts),
      properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
      required: parts.flatMap((p) => (p.required as string[] | undefined) ?? []),
    };
    return schemaValue(merged, name, depth, bad);
  }
  const types = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [s.type as string] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => schemaValue({ ...s, type }, name, depth, bad)));
  switch (types[0] ?? (s.properties ? 'object' : undefined)) {
    case 'string':
      return stringLike(s, name);
    case 'integer':
      // Years the test database has policies and regions for, beside the rest of the range.
      return /year/i.test(name) ? fc.oneof(fc.constantFrom(2025, 2026), numberLike(s, true)) : numberLike(s, true);
    case 'number':
      return numberLike(s, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (depth > 6) return fc.constant([]);
      const min = typeof s.minItems === 'number' ? Math.min(s.minItems, 5) : 0;
      const max = Math.max(min, Math.min(typeof s.maxItems === 'number' ? s.maxItems : 4, 4));
      return fc.array(loose((s.items as Schema) ?? {}, name), { minLength: min, maxLength: max });
    }
    case 'object': {
      if (depth > 6) return fc.constant({});
      const required = new Set((s.required as string[] | undefined) ?? []);
      const props = Object.entries((s.properties as Record<string, Schema> | undefined) ?? {});
      const fields = props.map(([key, ps]) =>
        fc.option(
          loose(ps, key).map((v) => [key, v] as const),
          // A required field is left out now and then; an optional one half the time.
          { freq: required.has(key) ? (bad > 0 ? 12 : 1_000_000) : 2, nil: undefined },
        ),
      );
      const additional =
        s.additionalProperties && typeof s.additionalProperties === 'object'
          ? fc.dictionary(text(12), loose(s.additionalProperties as Schema, name), { maxKeys: 3 })
          : fc.constant({});
      const extra =
        bad > 0 ? rarely(fc.dictionary(text(10), hostile, { minKeys: 1, maxKeys: 3 }), 6) : fc.constant(null);
      return fc.tuple(fc.tuple(...fields), additional, extra).map(([entries, more, junk]) => ({
        ...Object.fromEntries(entries.filter((e) => e !== undefined)),
        ...more,
        ...(junk ?? {}),
      }));
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

// ---------------------------------------------------------------------------------------------
// Values that are wrong anywhere

/** Nesting past what a recursive walker survives, written as text (JSON.stringify would not). */
const nest = (depth: number, asObject: boolean) =>
  raw(asObject ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`);

export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 0.5, -0, 2 ** 53 + 2, 1e308, -1e308, '', ' ', 'null', '0', '-1', [], {}, [
    null,
  ]),
  fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '1.00000000000000000000001', '1E+2').map(raw),
  fc
    .tuple(
      fc.constantFrom('x', '9', '中', '😀', '\u202e', '\ufeff', "'", '"', '\\', '<', '%', ' '),
      fc.integer({ min: 200, max: 10_000 }),
    )
    .map(([c, n]) => c.repeat(n)),
  text(30),
  fc.constantFrom(
    '2026-02-30',
    '0000-00-00',
    '9999-12-31',
    '2026-1-1',
    '-1',
    'NaN',
    'Infinity',
    "' or 1=1 --",
    '../..',
  ),
  fc.tuple(fc.integer({ min: 50, max: 20_000 }), fc.boolean()).map(([n, obj]) => nest(n, obj)),
  fc
    .tuple(fc.integer({ min: 1000, max: 10_000 }), fc.constantFrom<unknown>(1, 'x', null, {}, { a: 1 }))
    .map(([n, v]) => Array.from({ length: n }, () => v)),
  fc.integer({ min: 100, max: 5000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
  fc.constantFrom('{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}').map((s) => JSON.parse(s)),
);

// ---------------------------------------------------------------------------------------------
// Requests

interface Body {
  contentType?: string;
  payload?: string | Buffer;
}

const jsonBody = (value: unknown, contentType = MEDIA_JSON): Body => ({ contentType, payload: serialise(value) });

const NOT_JSON = [
  '',
  '{',
  '{"a":',
  '[1,2',
  'not json',
  "{'a':1}",
  '{"a":1}garbage',
  '{"a":1,}',
  'NaN',
  'undefined',
  '\ufeff{}',
  '{"a":"\\ud800"}',
  '{"a":"\\x41"}',
  '{"a":01}',
  '{"a":.5}',
  '{"a" 1}',
  '[]]',
  '""',
  '123',
  'true',
  'null',
];

const ODD_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=zz',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/jsonx',
  'application/json, text/plain',
  'text/csv',
  XLSX,
  'application/octet-stream',
  '*/*',
  ';',
];

/** Bodies of a JSON operation: mostly the schema's shape with wrong parts, then anything at all. */
function jsonBodies(schema: Schema | undefined): fc.Arbitrary<Body> {
  const shaped = schema ? schemaValue(schema, 'body', 0, 1) : fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(
    { weight: 8, arbitrary: shaped.map((v) => jsonBody(v)) },
    { weight: 2, arbitrary: hostile.map((v) => jsonBody(v)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(MEDIA_JSON, 'application/json; charset=utf-8'),
          fc.oneof(fc.constantFrom(...NOT_JSON), text(200)),
        )
        .map(([contentType, payload]) => ({ contentType, payload })),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ minLength: 1, maxLength: 2000 }).map((b) => ({
        contentType: MEDIA_JSON,
        payload: Buffer.from(b.map((x) => x || 1)),
      })),
    },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ODD_TYPES), shaped).map(([t, v]) => jsonBody(v, t)) },
    { weight: 1, arbitrary: shaped.map((v) => ({ payload: serialise(v) })) },
    // Past the body limit (1 MiB by default).
    { weight: 1, arbitrary: fc.constant({ contentType: MEDIA_JSON, payload: `[${'1,'.repeat(600_000)}1]` }) },
  );
}

/** Column names the import routes recognise, and some they do not. */
const COLUMNS = [
  '身份证号',
  '姓名',
  '村(社区)代码',
  '人员类别',
  '档次',
  '联系电话',
  '性别',
  '出生日期',
  '学校',
  '户号',
  '与户主关系',
  '金额',
  '缴费日期',
  '身份类型',
  '死亡日期',
  'idNumber',
  'name',
  'villageCode',
  'regionCode',
  'category',
  'tier',
  'amountFen',
  'amount',
  'paidOn',
  'paidAt',
  'channel',
  'reference',
  'identityType',
  'identity',
  'diedOn',
  'year',
  'target',
  'code',
  'parentCode',
  'level',
  'x',
  '',
];

const cell = fc.oneof(
  { weight: 3, arbitrary: idNumber },
  { weight: 2, arbitrary: fc.constantFrom(...REGIONS) },
  { weight: 2, arbitrary: text(12) },
  { weight: 1, arbitrary: fc.integer({ min: -1e6, max: 1e9 }).map(String) },
  { weight: 1, arbitrary: isoDate },
  {
    weight: 1,
    arbitrary: fc.constantFrom('"', '""', '"a,b"', '\n', '\r\n', '=cmd|"/c calc"!A1', '1e400', '中'.repeat(5000), ','),
  },
);

const table = fc.tuple(
  fc.oneof(
    fc.uniqueArray(fc.constantFrom(...COLUMNS), { minLength: 1, maxLength: 8 }),
    // Every column a route might want, so rows get read and judged one by one.
    fc.shuffledSubarray(COLUMNS, { minLength: COLUMNS.length - 3 }),
  ),
  fc.array(fc.array(cell, { maxLength: 9 }), { maxLength: 30 }),
);

const quote = (c: string) => (/[",\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c);
const csv = table.chain(([head, rows]) =>
  fc
    .tuple(fc.boolean(), fc.constantFrom('\n', '\r\n', '\r'))
    .map(([bom, eol]) =>
      Buffer.from(
        (bom ? '\ufeff' : '') + [head, ...rows].map((r) => r.map((c) => quote(noNul(c))).join(',')).join(eol),
        'utf8',
      ),
    ),
);

const xlsx = table.map(([head, rows]) =>
  xlsxWorkbook({
    sheet: sheetXml([head, ...rows].map((r, i) => inlineRow(i + 1, r.slice(0, 26).map(noNul))).join('')),
  }),
);

/** Bytes that decode as GB18030 (two-byte and four-byte sequences), with commas and line ends. */
const gb18030 = fc
  .array(
    fc.oneof(
      fc
        .tuple(fc.integer({ min: 0x81, max: 0xfe }), fc.integer({ min: 0x40, max: 0xfe }))
        .map(([a, b]) => [a, b === 0x7f ? 0x80 : b]),
      fc
        .tuple(
          fc.integer({ min: 0x81, max: 0xfe }),
          fc.integer({ min: 0x30, max: 0x39 }),
          fc.integer({ min: 0x81, max: 0xfe }),
          fc.integer({ min: 0x30, max: 0x39 }),
        )
        .map((q) => [...q]),
      fc.constantFrom([0x2c], [0x0a], [0x0d, 0x0a], [0x22], [0x81], [0xff]),
    ),
    { maxLength: 3000 },
  )
  .map((parts) => Buffer.from(parts.flat()));

const ndjson = fc
  .array(
    fc.oneof(
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      text(40),
    ),
    { maxLength: 20 },
  )
  .map((lines) => Buffer.from(lines.map(noNul).join('\n')));

/** Files for an upload route: garbage, broken archives, tables of random cells, GB18030 noise. */
function uploads(mediaTypes: string[]): fc.Arbitrary<Body> {
  const file = fc.oneof(
    fc.uint8Array({ maxLength: 20_000 }).map((b) => Buffer.from(b)),
    fc.tuple(xlsx, fc.double({ min: 0, max: 1, noNaN: true })).map(([b, f]) => b.subarray(0, Math.floor(b.length * f))),
    fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.from(b)])),
    xlsx,
    csv,
    csv.map((b) => b.subarray(0, Math.floor(b.length / 2))),
    gb18030,
    gb18030.map((b) => Buffer.concat([Buffer.from('身份证号,姓名\n', 'latin1'), b])),
    ndjson,
    fc.constant(Buffer.alloc(0)),
  );
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...mediaTypes) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'text/csv; charset=gb18030',
        'text/csv; charset=utf-8',
        MEDIA_JSON,
        'text/plain',
        'application/octet-stream',
      ),
    },
  );
  return fc.tuple(contentType, file).map(([contentType, payload]) => ({ contentType, payload }));
}

const HOSTILE_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '..%2f..%2fetc%2fpasswd',
  '%2F',
  '%25',
  '%E4%B8',
  '%ZZ',
  '%',
  '%c0%ae',
  '%EF%BF%BF',
  '%F0%9F%98%80',
  '%20',
  '-1',
  '0',
  '1e400',
  '1.5',
  'NaN',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  "'%3B%20drop%20table%20x%3B--",
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '99999999999999999999999999',
  '%E2%80%AE',
  '~',
  '%0A',
  '%0D%0A',
];

function pathSegment(p: Param): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: schemaValue(p.schema, p.name, 0, 0).map((v) => encodeURIComponent(String(v))) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
    { weight: 1, arbitrary: text(20).map(encodeURIComponent) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 90, max: 3000 })
        .chain((n) =>
          fc.string({ unit: 'grapheme-ascii', minLength: n, maxLength: n }).map((s) => encodeURIComponent(noNul(s))),
        ),
    },
    { weight: 1, arbitrary: fc.stringMatching(/^\d{1,30}$/) },
  );
}

const WRONG_QUERY = [
  '',
  'abc',
  '-1',
  '0',
  '1.5',
  '1e400',
  'NaN',
  'Infinity',
  'true',
  'null',
  '[]',
  '{}',
  '2026-02-30',
  '9999-99-99',
  '99999999999999999999',
  ' 1',
  '中文',
  '..',
];

function queryValue(p: Param, goodOf: Good): fc.Arbitrary<string[]> {
  const good = goodOf(p);
  return fc.oneof(
    { weight: 5, arbitrary: good.map((v) => [v]) },
    { weight: 2, arbitrary: fc.constantFrom(...WRONG_QUERY).map((v) => [v]) },
    { weight: 1, arbitrary: text(30).map((v) => [v]) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 10_000 }).map((n) => ['9'.repeat(n)]) },
    { weight: 1, arbitrary: fc.array(good, { minLength: 2, maxLength: 3 }) },
  );
}

const RAW_QUERY = [
  '%ZZ=1',
  'a=%E4%B8',
  '&&',
  '=x',
  'x',
  'a[b]=1',
  'a=1&a=2',
  '__proto__=1',
  'constructor=1',
  'limit=',
  '%=%',
];

/** Every declared parameter right (the optional ones now and then): past validation, into the use case. */
type Good = (p: Param) => fc.Arbitrary<string>;

function goodQuery(params: Param[], good: Good): fc.Arbitrary<string> {
  const parts = params.map((p) =>
    fc.option(
      good(p).map((v) => `${encodeURIComponent(p.name)}=${encodeURIComponent(v)}`),
      { freq: p.required ? 1_000_000 : 2, nil: '' },
    ),
  );
  return fc.tuple(...parts).map((ps) => ps.filter(Boolean).join('&'));
}

function queryString(params: Param[], good: Good): fc.Arbitrary<string> {
  return fc.oneof({ weight: 2, arbitrary: goodQuery(params, good) }, { weight: 3, arbitrary: badQuery(params, good) });
}

function badQuery(params: Param[], good: Good): fc.Arbitrary<string> {
  const declared = params.map((p) =>
    fc.option(
      queryValue(p, good).map((vs) =>
        vs.map((v) => `${encodeURIComponent(p.name)}=${encodeURIComponent(v)}`).join('&'),
      ),
      { freq: p.required ? 8 : 2, nil: '' },
    ),
  );
  const extra = fc.dictionary(
    fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 8 })
      .map(noNul)
      .filter((k) => k.length > 0),
    text(12),
    { maxKeys: 3 },
  );
  return fc
    .tuple(fc.tuple(...declared), rarely(extra, 4), rarely(fc.constantFrom(...RAW_QUERY), 6))
    .map(([parts, more, rawPart]) =>
      [
        ...parts,
        ...Object.entries(more ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
        rawPart ?? '',
      ]
        .filter(Boolean)
        .join('&'),
    );
}

/**
 * A key of every role (scoped to the demo county, 栗子乡, 南江村, civil affairs), each twice so
 * they outweigh the missing, unknown and malformed ones.
 */
export async function authsFor(db: Db): Promise<Array<Record<string, string>>> {
  const keys = [
    await createTestKey(db, 'admin'),
    await createTestKey(db, 'county-operator', { regionCode: '500230' }),
    await createTestKey(db, 'township-operator', { regionCode: '500230209' }),
    await createTestKey(db, 'collector', { regionCode: '500230209200' }),
    await createTestKey(db, 'department-feed', { department: 'civil-affairs' }),
    await createTestKey(db, 'dashboard', { regionCode: '500230' }),
    await createTestKey(db, 'service'),
  ].map((k) => k.headers);
  return [
    ...keys,
    ...keys,
    {},
    { authorization: 'Bearer rmi_0000000000000000000000000000' },
    { authorization: 'Basic eDp5' },
    { authorization: 'Bearer' },
    { authorization: `Bearer ${'a'.repeat(5000)}` },
  ];
}

/** The invented 2026 notice of test/fixtures, so quotes, exports and checks reach past "no policy". */
export async function loadPolicy(db: Db): Promise<void> {
  const doc = JSON.parse(readFileSync(new URL('../fixtures/cq-2026.json', import.meta.url), 'utf8'));
  await createPolicyStore(db).store(PolicyDocumentSchema.parse(doc), { origin: 'api' });
}

/** Limits a fuzzing run would otherwise trip over at once: it is one client sending thousands. */
export const FUZZ_CONFIG = { RATE_LIMIT_PER_MINUTE: '10000000', AUTH_FAILURES_PER_MINUTE: '10000000' };

/**
 * A service built as server.ts builds it, on a fresh test database holding the invented 2026
 * notice (loaded before the app, so its first request finds a policy in force), with a key of
 * every role; torn down with the test file.
 */
export async function appToFuzz<S extends z.ZodObject>(
  service: string,
  plugin: FastifyPluginAsync<AppOptions<z.infer<S> & BaseConfig>>,
  schema: S,
  config: Record<string, string> = {},
): Promise<{ tdb: TestDatabase; app: FastifyInstance; auths: Array<Record<string, string>> }> {
  const tdb = await createTestDatabase();
  await loadPolicy(tdb.db);
  const app = await buildApp(service, plugin, {
    db: tdb.db,
    config: testConfig({ ...FUZZ_CONFIG, ...config }, schema) as z.infer<S> & BaseConfig,
  });
  t.teardown(async () => {
    await app.close();
    await tdb.destroy();
  });
  return { tdb, app, auths: await authsFor(tdb.db) };
}

export interface FuzzOptions {
  /** Authorization headers to send (an empty object sends none). */
  auths: Array<Record<string, string>>;
  /** Of those, the ones the operation admits (its role check passes); sent most of the time. */
  admitted?: Array<Record<string, string>>;
  /** Right values of a parameter, where the schema says too little (a GraphQL document). */
  params?: (op: Operation, param: Param) => fc.Arbitrary<string> | undefined;
  /**
   * A violation already reported and waiting on its owners: named, counted and let pass, so the
   * run still looks for the others. Pair each with a `todo` regression test.
   */
  known?: (request: InjectOptions, res: Answer) => string | undefined;
  /** Bodies for an operation instead of the generated ones (GraphQL documents). */
  bodies?: (op: Operation) => fc.Arbitrary<Body> | undefined;
}

/** Generated requests for one operation. */
export function cases(op: Operation, options: FuzzOptions): fc.Arbitrary<Case> {
  const segments = fc.tuple(...op.pathParams.map((p) => pathSegment(p)));
  const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const good: Good = (p) => options.params?.(op, p) ?? schemaValue(p.schema, p.name, 0, 0).map(asText);
  const given = options.bodies?.(op);
  const body: fc.Arbitrary<Body> =
    given ??
    (op.body?.upload
      ? fc.oneof({ weight: 6, arbitrary: uploads(op.body.mediaTypes) }, { weight: 1, arbitrary: jsonBodies(undefined) })
      : op.body
        ? jsonBodies(op.body.schema)
        : fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: jsonBodies(undefined) }));
  const method = fc.oneof(
    { weight: 30, arbitrary: fc.constant(op.method) },
    { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') },
  );
  const admitted = options.admitted ?? [];
  const auth =
    admitted.length > 0
      ? fc.oneof(
          { weight: 5, arbitrary: fc.constantFrom(...admitted) },
          { weight: 1, arbitrary: fc.constantFrom(...options.auths) },
        )
      : fc.constantFrom(...options.auths);
  return fc.tuple(method, segments, queryString(op.queryParams, good), body, auth).map(([m, segs, query, b, auth]) => {
    let i = 0;
    const path = op.path.replace(/\{[^}]+\}/g, () => segs[i++] ?? '');
    const url = query ? `${path}?${query}` : path;
    const headers: Record<string, string> = { ...auth };
    if (b.contentType !== undefined) headers['content-type'] = b.contentType;
    const request: InjectOptions = {
      method: m as InjectOptions['method'],
      url,
      headers,
      ...(b.payload !== undefined && m !== 'GET' ? { payload: b.payload } : {}),
    };
    const who = auth.authorization ? auth.authorization.slice(0, 16) : 'no key';
    const payload = b.payload === undefined ? '' : String(b.payload);
    return {
      request,
      [fc.toStringMethod]: () =>
        `${m} ${url.slice(0, 300)} [${who}] ${b.contentType ?? '(no content-type)'} ${payload.length} bytes: ${JSON.stringify(payload.slice(0, 300))}`,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The property

export interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** What is wrong with an answer, or undefined. GraphQL answers may carry errors with codes. */
export function violation(res: Answer, graphql = false): string | undefined {
  const type = String(res.headers['content-type'] ?? '');
  if (res.statusCode >= 500) return `status ${res.statusCode}: ${res.body.slice(0, 500)}`;
  if (graphql && type.startsWith('application/json')) {
    const errors = (parse(res.body) as { errors?: Array<{ extensions?: { code?: unknown } }> } | undefined)?.errors;
    if (res.statusCode >= 400 && !Array.isArray(errors)) return `GraphQL ${res.statusCode} without errors`;
    for (const e of errors ?? [])
      if (
        typeof e.extensions?.code !== 'string' ||
        !CODE.test(e.extensions.code) ||
        e.extensions.code === 'INTERNAL_ERROR'
      )
        return `GraphQL error without a stable code: ${JSON.stringify(e).slice(0, 500)}`;
    return undefined;
  }
  if (res.statusCode < 400) return undefined;
  if (!type.startsWith('application/problem+json')) return `${res.statusCode} as ${type}: ${res.body.slice(0, 300)}`;
  const code = (parse(res.body) as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !CODE.test(code))
    return `${res.statusCode} without a stable code: ${res.body.slice(0, 300)}`;
  return undefined;
}

/**
 * The keys whose role the operation takes (roles are checked as a request arrives, before its
 * parameters or body are looked at), so most generated requests get past the role check.
 */
async function admittedAuths(app: FastifyInstance, op: Operation, auths: Array<Record<string, string>>) {
  const url = op.path.replace(/\{[^}]+\}/g, 'x');
  const admitted: Array<Record<string, string>> = [];
  for (const headers of new Set(auths)) {
    const res = await app.inject({ method: op.method as InjectOptions['method'], url, headers });
    const code = (parse(res.body) as { code?: unknown } | undefined)?.code;
    if (res.statusCode !== 401 && !(res.statusCode === 403 && code === 'FORBIDDEN_ROLE')) admitted.push(headers);
  }
  return admitted;
}

/**
 * Every operation of the app's OpenAPI document, each a tap subtest of `numRuns` generated
 * requests. A failure prints fast-check's seed and the (shrunk) request.
 */
export async function fuzzEveryRoute(
  t: Test,
  app: FastifyInstance,
  options: FuzzOptions & { numRuns: number | ((op: Operation) => number); graphqlPaths?: string[] },
): Promise<Operation[]> {
  const doc = (await app.inject({ url: '/docs/json' })).json() as OpenApi;
  // BAD_INPUT_ONLY=<regex> narrows a run to the operations it matches (`POST /v1/cash`), to chase one.
  const only = process.env.BAD_INPUT_ONLY ? new RegExp(process.env.BAD_INPUT_ONLY) : undefined;
  const ops = operationsOf(doc);
  for (const op of ops.filter((o) => !only || only.test(`${o.method} ${o.path}`))) {
    const graphql = options.graphqlPaths?.includes(op.path) ?? false;
    await t.test(`${op.method} ${op.path}`, async (t) => {
      const admitted = await admittedAuths(app, op, options.auths);
      const started = Date.now();
      const statuses = new Map<string, number>();
      const details = await fc.check(
        fc.asyncProperty(cases(op, { ...options, admitted }), async (c) => {
          const res = await app.inject(c.request);
          const answer = parse(res.body) as { code?: string; errors?: Array<{ extensions?: { code?: string } }> };
          const first =
            answer?.code ?? (Array.isArray(answer?.errors) ? answer.errors[0]?.extensions?.code : undefined);
          const code = first && (res.statusCode >= 400 || graphql) ? `:${first}` : '';
          const wrong = violation(res, graphql);
          const known = wrong ? options.known?.(c.request, res) : undefined;
          if (wrong && !known) throw new Error(wrong);
          const key = known ? `known: ${known}` : `${res.statusCode}${code}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
        }),
        { numRuns: typeof options.numRuns === 'number' ? options.numRuns : options.numRuns(op) },
      );
      if (details.failed)
        t.fail(`${(details.errorInstance as Error | undefined)?.message}\n${fc.defaultReportMessage(details)}`);
      else {
        const seen = [...statuses].sort(([a], [b]) => a.localeCompare(b)).map(([status, n]) => `${status}×${n}`);
        t.pass(`${details.numRuns} requests in ${Date.now() - started} ms: ${seen.join(' ')}`);
      }
    });
  }
  return ops;
}
