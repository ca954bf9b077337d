import { checkCharacter } from '@rmi/rules';
import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { setup } from './helpers.js';

const { app, db } = await setup(t);
// 栗子乡 (Lizi township) and two of its villages; 社坛镇 (Shetan) is a sibling township.
const LIZI = '500230209';
const VILLAGE = '500230209200';
const OTHER_VILLAGE = '500230209201';
const SHETAN = '500230102';
const lizi = await createTestKey(db, 'township-operator', { regionCode: LIZI });
const shetan = await createTestKey(db, 'township-operator', { regionCode: SHETAN });
const admin = await createTestKey(db, 'admin');
const collector = await createTestKey(db, 'collector', { regionCode: VILLAGE });
const dashboard = await createTestKey(db, 'dashboard', { regionCode: LIZI });
const feed = await createTestKey(db, 'department-feed', { department: 'civil-affairs', regionCode: '500230' });

// Valid ID numbers of Fengdu county (500230); the 17th digit is odd for a man.
const idOf = (first17: string) => first17 + checkCharacter(first17);
const masked = (id: string) => `${id.slice(0, 6)}********${id.slice(-4)}`;
const A = idOf('50023019600101011');
const B = idOf('50023019620202022');
const C = idOf('50023019900303031');
const D = idOf('50023019920404041');
const ELSEWHERE = idOf('50023019700505051');
const UNREGISTERED = idOf('50023019710606061');
const LONE = idOf('50023019500707071');
const P = idOf('50023019880808081');
const Q = idOf('50023019550909091');
const R = idOf('50023019561010101');

const persons: [string, string, string, string?][] = [
  [A, '张建国', VILLAGE, '13812345678'],
  [B, '李秀兰', VILLAGE],
  [C, '张小龙', VILLAGE],
  [D, '张小凤', VILLAGE],
  [ELSEWHERE, '陈明', OTHER_VILLAGE],
  [LONE, '赵老汉', VILLAGE],
  [P, '孙丽', VILLAGE],
  [Q, '孙大山', VILLAGE],
  [R, '孙二山', VILLAGE],
];
for (const [idNumber, name, hukouRegionCode, phone] of persons) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: lizi.headers,
    payload: { idNumber, name, hukouRegionCode, ...(phone ? { phone } : {}) },
  });
  if (res.statusCode !== 201) throw new Error(`setup: ${res.body}`);
}

const create = (payload: Record<string, unknown>, headers = lizi.headers) =>
  app.inject({ method: 'POST', url: '/v1/households', headers, payload });
const get = (id: string, headers = lizi.headers) => app.inject({ method: 'GET', url: `/v1/households/${id}`, headers });
const put = (id: string, payload: Record<string, unknown>, headers = lizi.headers) =>
  app.inject({ method: 'PUT', url: `/v1/households/${id}/members`, headers, payload });
const paths = (res: { json(): { errors?: { path: string }[] } }) => (res.json().errors ?? []).map((e) => e.path).sort();
const memberships = (res: { json(): { members: { idNumber: string; relation: string }[] } }) =>
  res.json().members.map((m) => [m.idNumber, m.relation]);
const householdOf = async (idNumber: string) =>
  (
    await db
      .selectFrom('enrollment.persons')
      .select(['household_id', 'relation'])
      .where('id_number', '=', idNumber)
      .executeTakeFirstOrThrow()
  ).household_id;
const count = async (table: 'enrollment.households' | 'core.audit_log') =>
  Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

let household = '';

t.test('creating a household attaches its members and audits with masked ID numbers', async (t) => {
  const res = await create({
    regionCode: VILLAGE,
    number: '0001',
    head: A,
    members: [
      { idNumber: C, relation: 'child' },
      { idNumber: B, relation: 'spouse' },
    ],
  });
  t.equal(res.statusCode, 201);
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  household = res.json().id;
  t.match(res.json(), { regionCode: VILLAGE, number: '0001', headIdNumber: A });
  t.same(memberships(res), [
    [A, 'head'],
    [B, 'spouse'],
    [C, 'child'],
  ]);
  t.equal(await householdOf(B), household);

  const audit = await db
    .selectFrom('core.audit_log')
    .selectAll()
    .where('action', '=', 'household.create')
    .executeTakeFirstOrThrow();
  t.equal(audit.entity_id, household);
  t.equal(audit.region_code, VILLAGE);
  t.equal(audit.actor_key_id, lizi.id);
  t.match(audit.details, { number: '0001', head: masked(A) });
  for (const id of [A, B, C]) t.notMatch(JSON.stringify(audit), id);

  const read = await get(household);
  t.equal(read.statusCode, 200);
  t.same(memberships(read), memberships(res));
});

t.test('every member must be registered in the village, and the answer does not say why', async (t) => {
  const before = await count('enrollment.households');
  const res = await create({
    regionCode: VILLAGE,
    head: D,
    members: [
      { idNumber: ELSEWHERE, relation: 'spouse' },
      { idNumber: UNREGISTERED, relation: 'sibling' },
    ],
  });
  t.equal(res.statusCode, 422);
  t.equal(res.json().code, 'HOUSEHOLD_MEMBER_UNKNOWN');
  t.same(paths(res), ['body.members.0.idNumber', 'body.members.1.idNumber']);
  const [first, second] = res.json().errors;
  t.equal(first.message, second.message, 'registered elsewhere reads like never registered');
  t.notMatch(res.body, ELSEWHERE);
  t.equal(await count('enrollment.households'), before);
  t.equal(await householdOf(D), null);
});

t.test('a person already in another household is 409 HOUSEHOLD_MEMBER_TAKEN, listing them', async (t) => {
  const before = await count('enrollment.households');
  const res = await create({
    regionCode: VILLAGE,
    head: D,
    members: [
      { idNumber: LONE, relation: 'parent' },
      { idNumber: B, relation: 'sibling' },
      { idNumber: C, relation: 'child' },
    ],
  });
  t.equal(res.statusCode, 409);
  t.equal(res.json().code, 'HOUSEHOLD_MEMBER_TAKEN');
  t.same(res.json().errors, [
    { path: 'body.members.1.idNumber', message: `already in household ${household}` },
    { path: 'body.members.2.idNumber', message: `already in household ${household}` },
  ]);
  t.match(res.json().detail, masked(B));
  t.notMatch(res.body, B);
  t.equal(await count('enrollment.households'), before, 'nothing was created');
  t.equal(await householdOf(D), null);
  t.equal(await householdOf(LONE), null);
});

t.test('a person added to two households at once lands in one', async (t) => {
  const [first, second] = await Promise.all([
    create({ regionCode: VILLAGE, head: Q, members: [{ idNumber: P, relation: 'child' }] }),
    create({ regionCode: VILLAGE, head: R, members: [{ idNumber: P, relation: 'child' }] }),
  ]);
  t.same([first?.statusCode, second?.statusCode].sort(), [201, 409]);
  const winner = first?.statusCode === 201 ? first : second;
  t.equal(await householdOf(P), winner?.json().id);
});

t.test('bad bodies list every bad field', async (t) => {
  const res = await create({
    regionCode: '5002302',
    number: '',
    head: A,
    members: [
      { idNumber: B, relation: 'head' },
      { idNumber: C, relation: 'cousin' },
      { idNumber: '123', relation: 'child' },
      { idNumber: D, relation: 'child' },
    ],
  });
  t.equal(res.statusCode, 400);
  t.equal(res.json().code, 'VALIDATION_FAILED');
  t.same(paths(res), [
    'body.members.0.relation',
    'body.members.1.relation',
    'body.members.2.idNumber',
    'body.number',
    'body.regionCode',
  ]);
  const twice = await create({
    regionCode: VILLAGE,
    head: D,
    members: [
      { idNumber: LONE, relation: 'parent' },
      { idNumber: LONE, relation: 'sibling' },
    ],
  });
  t.equal(twice.statusCode, 400);
  t.same(paths(twice), ['body.members.1.idNumber']);
  const headAgain = await create({ regionCode: VILLAGE, head: D, members: [{ idNumber: D, relation: 'spouse' }] });
  t.equal(headAgain.statusCode, 400);
  t.same(paths(headAgain), ['body.members.0.idNumber']);
  const headless = await create({ regionCode: VILLAGE, members: [] });
  t.equal(headless.statusCode, 400);
  t.same(paths(headless), ['body.head']);
});

t.test('a household number is unique within its village only', async (t) => {
  const taken = await create({ regionCode: VILLAGE, number: '0001', head: D });
  t.equal(taken.statusCode, 409);
  t.equal(taken.json().code, 'HOUSEHOLD_NUMBER_TAKEN');
  t.equal(await householdOf(D), null);
  const elsewhere = await create({ regionCode: OTHER_VILLAGE, number: '0001', head: ELSEWHERE });
  t.equal(elsewhere.statusCode, 201);
});

t.test('creating needs a writer role, a village in scope and a loaded village', async (t) => {
  const outside = await create({ regionCode: VILLAGE, head: D }, shetan.headers);
  t.equal(outside.statusCode, 403);
  t.equal(outside.json().code, 'OUT_OF_SCOPE');
  const neighbour = await create({ regionCode: OTHER_VILLAGE, head: D }, collector.headers);
  t.equal(neighbour.statusCode, 403);
  t.equal(neighbour.json().code, 'OUT_OF_SCOPE');
  const unknown = await create({ regionCode: '500230209999', head: D });
  t.equal(unknown.statusCode, 422);
  t.equal(unknown.json().code, 'REGION_UNKNOWN');
  const readOnly = await create({ regionCode: VILLAGE, head: D }, dashboard.headers);
  t.equal(readOnly.statusCode, 403);
  t.equal(readOnly.json().code, 'FORBIDDEN_ROLE');
  const anonymous = await app.inject({
    method: 'POST',
    url: '/v1/households',
    payload: { regionCode: VILLAGE, head: D },
  });
  t.equal(anonymous.statusCode, 401);
  t.equal(anonymous.json().code, 'UNAUTHENTICATED');
});

t.test('reading a household: 404, 403 outside the region, 400 for a malformed id', async (t) => {
  const unknown = await get('00000000-0000-4000-8000-000000000000');
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'HOUSEHOLD_NOT_FOUND');
  const outside = await get(household, shetan.headers);
  t.equal(outside.statusCode, 403);
  t.equal(outside.json().code, 'OUT_OF_SCOPE');
  t.notMatch(outside.body, '张建国');
  const malformed = await get('not-a-uuid');
  t.equal(malformed.statusCode, 400);
  t.same(paths(malformed), ['params.id']);
});

t.test('dashboards and department feeds see members masked; writers see them whole', async (t) => {
  for (const [role, key, mask] of [
    ['admin', admin, false],
    ['township-operator', lizi, false],
    ['collector', collector, false],
    ['dashboard', dashboard, true],
    ['department-feed', feed, true],
  ] as const) {
    const res = await get(household, key.headers);
    t.equal(res.statusCode, 200, role);
    const head = res.json().members[0];
    if (mask) {
      t.equal(res.json().headIdNumber, masked(A), role);
      t.match(head, { idNumber: masked(A), name: '张**', phone: '138****5678', relation: 'head' }, role);
      for (const id of [A, B, C]) t.notMatch(res.body, id, role);
      t.notMatch(res.body, '13812345678', role);
    } else {
      t.equal(res.json().headIdNumber, A, role);
      t.match(head, { idNumber: A, name: '张建国', phone: '13812345678' }, role);
    }
  }
});

t.test('PUT members adds, removes, relabels and changes the head in one go', async (t) => {
  const body = {
    head: B,
    members: [
      { idNumber: A, relation: 'spouse' },
      { idNumber: D, relation: 'child' },
    ],
  };
  const res = await put(household, body);
  t.equal(res.statusCode, 200);
  t.equal(res.json().headIdNumber, B);
  t.same(memberships(res), [
    [B, 'head'],
    [A, 'spouse'],
    [D, 'child'],
  ]);
  t.equal(await householdOf(C), null, 'left out, so gone');
  const audit = await db
    .selectFrom('core.audit_log')
    .selectAll()
    .where('action', '=', 'household.members.replace')
    .executeTakeFirstOrThrow();
  t.equal(audit.entity_id, household);
  t.same(audit.details, {
    joined: [
      { idNumber: masked(B), relation: 'head' },
      { idNumber: masked(A), relation: 'spouse' },
      { idNumber: masked(D), relation: 'child' },
    ],
    left: [masked(C)],
    head: { from: masked(A), to: masked(B) },
  });

  const audits = await count('core.audit_log');
  const again = await put(household, body);
  t.equal(again.statusCode, 200);
  t.same(memberships(again), memberships(res));
  t.equal(await count('core.audit_log'), audits, 'the same membership again changes nothing');
});

t.test('PUT members refuses what POST refuses, and changes nothing when it does', async (t) => {
  const lone = await create({ regionCode: VILLAGE, head: LONE });
  t.equal(lone.statusCode, 201);
  const taken = await put(household, {
    head: B,
    members: [
      { idNumber: A, relation: 'spouse' },
      { idNumber: LONE, relation: 'parent' },
    ],
  });
  t.equal(taken.statusCode, 409);
  t.equal(taken.json().code, 'HOUSEHOLD_MEMBER_TAKEN');
  t.same(paths(taken), ['body.members.1.idNumber']);
  t.equal(await householdOf(D), household, 'D was not removed');

  const unknown = await put(household, { head: UNREGISTERED, members: [] });
  t.equal(unknown.statusCode, 422);
  t.equal(unknown.json().code, 'HOUSEHOLD_MEMBER_UNKNOWN');
  t.same(paths(unknown), ['body.head']);
  t.equal((await get(household)).json().headIdNumber, B);

  const missing = await put('00000000-0000-4000-8000-000000000000', { head: B });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'HOUSEHOLD_NOT_FOUND');
  const outside = await put(household, { head: B }, shetan.headers);
  t.equal(outside.statusCode, 403);
  t.equal(outside.json().code, 'OUT_OF_SCOPE');
  const readOnly = await put(household, { head: B }, feed.headers);
  t.equal(readOnly.statusCode, 403);
  t.equal(readOnly.json().code, 'FORBIDDEN_ROLE');
});

t.test('moving villages takes a member out of the household; a head with others must hand over first', async (t) => {
  const member = await app.inject({
    method: 'PATCH',
    url: `/v1/persons/${D}`,
    headers: lizi.headers,
    payload: { hukouRegionCode: OTHER_VILLAGE },
  });
  t.equal(member.statusCode, 200);
  t.match(member.json(), { hukouRegionCode: OTHER_VILLAGE, householdId: null, relation: null });
  t.same(memberships(await get(household)), [
    [B, 'head'],
    [A, 'spouse'],
  ]);
  const audit = await db
    .selectFrom('core.audit_log')
    .selectAll()
    .where('action', '=', 'person.update')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  t.same(audit.details, { hukouRegionCode: { from: VILLAGE, to: OTHER_VILLAGE }, leftHousehold: household });

  const head = await app.inject({
    method: 'PATCH',
    url: `/v1/persons/${B}`,
    headers: lizi.headers,
    payload: { hukouRegionCode: OTHER_VILLAGE },
  });
  t.equal(head.statusCode, 409);
  t.equal(head.json().code, 'HOUSEHOLD_HEAD_MOVING');
  t.equal(await householdOf(B), household);
});

t.test('a head who lives alone moves and leaves an empty household to refill', async (t) => {
  const lone = (
    await db
      .selectFrom('enrollment.persons')
      .select('household_id')
      .where('id_number', '=', LONE)
      .executeTakeFirstOrThrow()
  ).household_id as string;
  const moved = await app.inject({
    method: 'PATCH',
    url: `/v1/persons/${LONE}`,
    headers: lizi.headers,
    payload: { hukouRegionCode: OTHER_VILLAGE },
  });
  t.equal(moved.statusCode, 200);
  const empty = await get(lone);
  t.match(empty.json(), { headIdNumber: null, members: [] });
  const refilled = await put(lone, { head: C, members: [] });
  t.equal(refilled.statusCode, 200);
  t.same(memberships(refilled), [[C, 'head']]);
});

t.test('the OpenAPI document describes persons and households', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const paths = res.json().paths;
  t.ok(paths['/v1/households']?.post);
  t.ok(paths['/v1/households/{id}']?.get);
  t.ok(paths['/v1/households/{id}/members']?.put);
  t.ok(paths['/v1/persons/{idNumber}']?.patch);
  const query = paths['/v1/persons'].get.parameters.map((p: { name: string }) => p.name).sort();
  t.same(query, ['householdId', 'idNumber', 'limit', 'name', 'offset', 'villageCode']);
});
