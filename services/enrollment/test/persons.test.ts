import { checkCharacter } from '@rmi/rules';
import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { setup } from './helpers.js';

const { app, db } = await setup(t);
// 栗子乡 (Lizi township) of Fengdu, and a village in it; 社坛镇 (Shetan) is a sibling township.
const LIZI = '500230209';
const LIZI_VILLAGE = '500230209200';
const SHETAN = '500230102';
const lizi = await createTestKey(db, 'township-operator', { regionCode: LIZI });
const shetan = await createTestKey(db, 'township-operator', { regionCode: SHETAN });

t.test('registering a person derives sex and birth date and audits without the raw ID', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: lizi.headers,
    payload: { idNumber: '11010519491231002x', name: '王秀英', hukouRegionCode: LIZI_VILLAGE },
  });
  t.equal(res.statusCode, 201);
  t.match(res.json(), { idNumber: '11010519491231002X', sex: 'female', birthDate: '1949-12-31', category: 'resident' });
  const audit = await db.selectFrom('core.audit_log').selectAll().where('action', '=', 'person.create').execute();
  t.equal(audit.length, 1);
  t.equal(audit[0]?.entity_id, '110105********002X');
  t.equal(audit[0]?.region_code, LIZI_VILLAGE);
  t.equal(audit[0]?.actor_key_id, lizi.id);
  const everything = JSON.stringify(await db.selectFrom('core.audit_log').selectAll().execute());
  t.notMatch(everything, '11010519491231002X');
});

t.test('a 15-digit ID number is upgraded', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: lizi.headers,
    payload: {
      idNumber: '440113141005001',
      name: '李明',
      hukouRegionCode: LIZI_VILLAGE,
      category: 'student',
      school: '栗子小学',
    },
  });
  // 440113141005001 → 44011319141005001?: born 1914, upgraded with its check character.
  t.equal(res.statusCode, 201);
  t.match(res.json().idNumber, /^44011319141005001[0-9X]$/);
});

t.test('registering twice is 409 PERSON_EXISTS', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: lizi.headers,
    payload: { idNumber: '11010519491231002X', name: '王秀英', hukouRegionCode: LIZI_VILLAGE },
  });
  t.equal(res.statusCode, 409);
  t.equal(res.json().code, 'PERSON_EXISTS');
  t.notMatch(res.body, '11010519491231002X');
});

t.test('bad fields are all listed', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: lizi.headers,
    payload: { idNumber: '110105194912310021', name: '', hukouRegionCode: '5002', phone: 'call me' },
  });
  t.equal(res.statusCode, 400);
  t.equal(res.json().code, 'VALIDATION_FAILED');
  t.same(
    res
      .json()
      .errors.map((e: { path: string }) => e.path)
      .sort(),
    ['body.hukouRegionCode', 'body.idNumber', 'body.name', 'body.phone'],
  );
  t.match(res.json().errors.find((e: { path: string }) => e.path === 'body.idNumber').message, /check character/);
});

t.test('sex or birth date that contradict the ID number are rejected', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: lizi.headers,
    payload: {
      idNumber: '44011320141005001X',
      name: '陈',
      hukouRegionCode: LIZI_VILLAGE,
      sex: 'female',
      birthDate: '2014-10-06',
    },
  });
  t.equal(res.statusCode, 400);
  t.same(
    res
      .json()
      .errors.map((e: { path: string }) => e.path)
      .sort(),
    ['body.birthDate', 'body.sex'],
  );
});

t.test('an out-of-scope township operator gets 403 OUT_OF_SCOPE, never the person', async (t) => {
  const read = await app.inject({ method: 'GET', url: '/v1/persons/11010519491231002X', headers: shetan.headers });
  t.equal(read.statusCode, 403);
  t.equal(read.json().code, 'OUT_OF_SCOPE');
  t.notMatch(read.body, '王秀英');
  const write = await app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: shetan.headers,
    payload: { idNumber: '44011320141005001X', name: '陈', hukouRegionCode: LIZI_VILLAGE },
  });
  t.equal(write.statusCode, 403);
  t.equal(write.json().code, 'OUT_OF_SCOPE');
  const own = await app.inject({ method: 'GET', url: '/v1/persons/11010519491231002X', headers: lizi.headers });
  t.equal(own.statusCode, 200);
  t.equal(own.json().name, '王秀英');
});

t.test('an unknown person is 404 and a dashboard key may read but not register', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/v1/persons/44011320141005001X', headers: lizi.headers });
  t.equal(res.statusCode, 404);
  t.equal(res.json().code, 'PERSON_NOT_FOUND');
  const dash = await createTestKey(db, 'dashboard', { regionCode: LIZI });
  const read = await app.inject({ method: 'GET', url: '/v1/persons/11010519491231002X', headers: dash.headers });
  t.equal(read.statusCode, 200);
  t.equal(read.json().idNumber, '110105********002X');
  const denied = await app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: dash.headers,
    payload: { idNumber: '44011320141005001X', name: '陈', hukouRegionCode: LIZI_VILLAGE },
  });
  t.equal(denied.statusCode, 403);
  t.equal(denied.json().code, 'FORBIDDEN_ROLE');
});

t.test('a region that is not a loaded village is 422', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: lizi.headers,
    payload: { idNumber: '44011320141005001X', name: '陈', hukouRegionCode: '500230209999' },
  });
  t.equal(res.statusCode, 422);
  t.equal(res.json().code, 'REGION_UNKNOWN');
});

// Valid ID numbers for the cases below: 500230 is Fengdu county, the 17th digit odd for a man.
const idOf = (first17: string) => first17 + checkCharacter(first17);
const MOTHER = idOf('50023019820202002');
const FATHER = idOf('50023019800101001');
const BABY = idOf('50023020250301003');
const UNREGISTERED = idOf('50023019700707007');
const LIZI_OTHER_VILLAGE = '500230209201';
const SHETAN_VILLAGE = '500230102200';
const admin = await createTestKey(db, 'admin');
const fengdu = await createTestKey(db, 'county-operator', { regionCode: '500230' });
const zhongxian = await createTestKey(db, 'county-operator', { regionCode: '500233' });
const collector = await createTestKey(db, 'collector', { regionCode: LIZI_VILLAGE });
const dashboard = await createTestKey(db, 'dashboard', { regionCode: LIZI });
const feed = await createTestKey(db, 'department-feed', { department: 'civil-affairs' });

const register = (payload: Record<string, unknown>, headers = lizi.headers) =>
  app.inject({ method: 'POST', url: '/v1/persons', headers, payload });
const patch = (idNumber: string, payload: Record<string, unknown>, headers = lizi.headers) =>
  app.inject({ method: 'PATCH', url: `/v1/persons/${idNumber}`, headers, payload });
const search = (query: string, headers = lizi.headers) =>
  app.inject({ method: 'GET', url: `/v1/persons?${query}`, headers });
const paths = (res: { json(): { errors?: { path: string }[] } }) => (res.json().errors ?? []).map((e) => e.path).sort();
const eventsFor = async (idNumber: string) =>
  (
    await db
      .selectFrom('enrollment.outbox')
      .select(['topic', 'payload'])
      .where('topic', '=', 'person.registered')
      .orderBy('id')
      .execute()
  ).filter((e) => (e.payload as { idNumber: string }).idNumber === idNumber);

t.test('a student needs a school and a newborn a registered guardian', async (t) => {
  const student = await register({
    idNumber: UNREGISTERED,
    name: '周杰',
    hukouRegionCode: LIZI_VILLAGE,
    category: 'student',
  });
  t.equal(student.statusCode, 400);
  t.same(paths(student), ['body.school']);

  const orphan = await register({ idNumber: BABY, name: '刘小宝', hukouRegionCode: LIZI_VILLAGE, category: 'newborn' });
  t.equal(orphan.statusCode, 400);
  t.same(paths(orphan), ['body.guardianIdNumber']);

  const own = await register({
    idNumber: BABY,
    name: '刘小宝',
    hukouRegionCode: LIZI_VILLAGE,
    category: 'newborn',
    guardianIdNumber: BABY,
  });
  t.equal(own.statusCode, 400);
  t.same(paths(own), ['body.guardianIdNumber']);

  const unknownGuardian = await register({
    idNumber: BABY,
    name: '刘小宝',
    hukouRegionCode: LIZI_VILLAGE,
    category: 'newborn',
    guardianIdNumber: MOTHER,
  });
  t.equal(unknownGuardian.statusCode, 422);
  t.equal(unknownGuardian.json().code, 'GUARDIAN_UNKNOWN');
  t.same(paths(unknownGuardian), ['body.guardianIdNumber']);
  t.notMatch(unknownGuardian.body, MOTHER);
  t.notOk(
    await db.selectFrom('enrollment.persons').select('id_number').where('id_number', '=', BABY).executeTakeFirst(),
  );

  const mother = await register({
    idNumber: MOTHER,
    name: '刘芳',
    hukouRegionCode: LIZI_VILLAGE,
    phone: '13812345678',
  });
  t.equal(mother.statusCode, 201);
  const baby = await register({
    idNumber: BABY,
    name: '刘小宝',
    hukouRegionCode: LIZI_VILLAGE,
    category: 'newborn',
    guardianIdNumber: MOTHER,
  });
  t.equal(baby.statusCode, 201);
  t.match(baby.json(), {
    category: 'newborn',
    guardianIdNumber: MOTHER,
    householdId: null,
    relation: null,
    diedOn: null,
  });
});

t.test('registering into a household needs a relation and a household of the same village', async (t) => {
  const household = await app.inject({
    method: 'POST',
    url: '/v1/households',
    headers: lizi.headers,
    payload: { regionCode: LIZI_VILLAGE, head: MOTHER, members: [{ idNumber: BABY, relation: 'child' }] },
  });
  t.equal(household.statusCode, 201);
  const householdId = household.json().id as string;
  const father = { idNumber: FATHER, name: '张伟', hukouRegionCode: LIZI_VILLAGE };

  const noRelation = await register({ ...father, householdId });
  t.equal(noRelation.statusCode, 400);
  t.same(paths(noRelation), ['body.relation']);
  const noHousehold = await register({ ...father, relation: 'spouse' });
  t.equal(noHousehold.statusCode, 400);
  t.same(paths(noHousehold), ['body.householdId']);
  const asHead = await register({ ...father, householdId, relation: 'head' });
  t.equal(asHead.statusCode, 400);
  t.same(paths(asHead), ['body.relation']);

  const unknown = await register({
    ...father,
    householdId: '00000000-0000-4000-8000-000000000000',
    relation: 'spouse',
  });
  t.equal(unknown.statusCode, 422);
  t.equal(unknown.json().code, 'HOUSEHOLD_UNKNOWN');
  const elsewhere = await register({ ...father, hukouRegionCode: LIZI_OTHER_VILLAGE, householdId, relation: 'spouse' });
  t.equal(elsewhere.statusCode, 422);
  t.equal(elsewhere.json().code, 'HOUSEHOLD_UNKNOWN');
  t.same(paths(elsewhere), ['body.householdId']);

  const joined = await register({ ...father, householdId, relation: 'spouse' });
  t.equal(joined.statusCode, 201);
  t.match(joined.json(), { householdId, relation: 'spouse' });
  const members = await app.inject({ method: 'GET', url: `/v1/households/${householdId}`, headers: lizi.headers });
  t.same(
    members.json().members.map((m: { idNumber: string; relation: string }) => [m.idNumber, m.relation]),
    [
      [MOTHER, 'head'],
      [FATHER, 'spouse'],
      [BABY, 'child'],
    ],
  );
});

t.test('each registration writes one person.registered event, without name or phone', async (t) => {
  const [event, ...more] = await eventsFor(MOTHER);
  t.equal(more.length, 0);
  t.same(event?.payload, {
    idNumber: MOTHER,
    hukouRegionCode: LIZI_VILLAGE,
    category: 'resident',
    sex: 'female',
    birthDate: '1982-02-02',
    householdId: null,
    diedOn: null,
  });
  t.notMatch(JSON.stringify(event), '刘芳');
  t.notMatch(JSON.stringify(event), '13812345678');
  t.equal((await eventsFor('11010519491231002X')).length, 1, 'the refused second registration wrote none');
  t.equal((await eventsFor(BABY)).length, 1, 'the refused attempts wrote none');
  t.equal((await eventsFor(FATHER)).length, 1);
  const audits = await db
    .selectFrom('core.audit_log')
    .select('entity_id')
    .where('action', '=', 'person.create')
    .where('entity_id', '=', `500230********${FATHER.slice(-4)}`)
    .execute();
  t.equal(audits.length, 1);
});

t.test('PATCH changes fields, audits each change and keeps no phone number in the log', async (t) => {
  const res = await patch(MOTHER, { name: '刘芳芳', phone: '13987654321', category: 'student', school: '丰都中学' });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { name: '刘芳芳', phone: '13987654321', category: 'student', school: '丰都中学' });
  const audit = await db
    .selectFrom('core.audit_log')
    .selectAll()
    .where('action', '=', 'person.update')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  t.equal(audit.entity_id, `500230********${MOTHER.slice(-4)}`);
  t.equal(audit.actor_key_id, lizi.id);
  t.same(audit.details, {
    name: { from: '刘芳', to: '刘芳芳' },
    phone: 'changed',
    category: { from: 'resident', to: 'student' },
    school: { from: null, to: '丰都中学' },
  });
  t.notMatch(JSON.stringify(audit), '13987654321');
  t.notMatch(JSON.stringify(audit), '13812345678');
  const event = await db
    .selectFrom('enrollment.outbox')
    .select('payload')
    .where('topic', '=', 'person.updated')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  t.same(event.payload, {
    idNumber: MOTHER,
    regionCode: res.json().hukouRegionCode,
    fields: ['name', 'phone', 'category', 'school'],
  });

  const before = await db.selectFrom('core.audit_log').select('id').execute();
  const same = await patch(MOTHER, { name: '刘芳芳' });
  t.equal(same.statusCode, 200);
  t.equal((await db.selectFrom('core.audit_log').select('id').execute()).length, before.length, 'no change, no row');

  const cleared = await patch(MOTHER, { category: 'resident', school: null, phone: null });
  t.match(cleared.json(), { category: 'resident', school: null, phone: null });
});

t.test('PATCH rejects bad combinations, listing every field', async (t) => {
  const empty = await patch(MOTHER, {});
  t.equal(empty.statusCode, 400);
  t.equal(empty.json().code, 'VALIDATION_FAILED');
  const unknownField = await patch(MOTHER, { householdId: null });
  t.equal(unknownField.statusCode, 400);
  const student = await patch(MOTHER, { category: 'student' });
  t.equal(student.statusCode, 400);
  t.same(paths(student), ['body.school']);
  const newborn = await patch(BABY, { guardianIdNumber: null });
  t.equal(newborn.statusCode, 400);
  t.same(paths(newborn), ['body.guardianIdNumber']);
  const guardian = await patch(BABY, { guardianIdNumber: UNREGISTERED });
  t.equal(guardian.statusCode, 422);
  t.equal(guardian.json().code, 'GUARDIAN_UNKNOWN');
  const newGuardian = await patch(BABY, { guardianIdNumber: FATHER });
  t.equal(newGuardian.json().guardianIdNumber, FATHER);
  const beforeBirth = await patch(BABY, { diedOn: '2025-02-28' });
  t.equal(beforeBirth.statusCode, 400);
  t.same(paths(beforeBirth), ['body.diedOn']);
  const future = await patch(BABY, { diedOn: '2999-01-01' });
  t.equal(future.statusCode, 400);
  t.match(future.json().errors[0].message, /future/);
  const badDate = await patch(BABY, { diedOn: '2025-02-30', phone: '12' });
  t.equal(badDate.statusCode, 400);
  t.same(paths(badDate), ['body.diedOn', 'body.phone']);
  const unknownVillage = await patch(MOTHER, { hukouRegionCode: '500230209999' });
  t.equal(unknownVillage.statusCode, 422);
  t.equal(unknownVillage.json().code, 'REGION_UNKNOWN');
  const nobody = await patch(UNREGISTERED, { name: '周杰' });
  t.equal(nobody.statusCode, 404);
  t.equal(nobody.json().code, 'PERSON_NOT_FOUND');
  t.notMatch(nobody.json().detail, UNREGISTERED);
});

t.test('a date of death is recorded and can be withdrawn', async (t) => {
  const died = await patch('11010519491231002X', { diedOn: '2024-03-01' });
  t.equal(died.statusCode, 200);
  t.equal(died.json().diedOn, '2024-03-01');
  const undone = await patch('11010519491231002X', { diedOn: null });
  t.equal(undone.json().diedOn, null);
});

t.test('moving villages needs both villages in the key’s region', async (t) => {
  const out = await patch('11010519491231002X', { hukouRegionCode: SHETAN_VILLAGE });
  t.equal(out.statusCode, 403);
  t.equal(out.json().code, 'OUT_OF_SCOPE');
  const foreign = await patch('11010519491231002X', { name: '王英' }, shetan.headers);
  t.equal(foreign.statusCode, 403);
  t.equal(foreign.json().code, 'OUT_OF_SCOPE');
  const villageOnly = await patch('11010519491231002X', { hukouRegionCode: LIZI_OTHER_VILLAGE }, collector.headers);
  t.equal(villageOnly.statusCode, 403);
  t.equal(villageOnly.json().code, 'OUT_OF_SCOPE');
  const readOnly = await patch('11010519491231002X', { name: '王英' }, dashboard.headers);
  t.equal(readOnly.statusCode, 403);
  t.equal(readOnly.json().code, 'FORBIDDEN_ROLE');

  const within = await patch('11010519491231002X', { hukouRegionCode: LIZI_OTHER_VILLAGE });
  t.equal(within.statusCode, 200);
  t.equal(within.json().hukouRegionCode, LIZI_OTHER_VILLAGE);
  const across = await patch('11010519491231002X', { hukouRegionCode: SHETAN_VILLAGE }, fengdu.headers);
  t.equal(across.statusCode, 200);
  const audit = await db
    .selectFrom('core.audit_log')
    .selectAll()
    .where('action', '=', 'person.update')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  t.same(audit.details, { hukouRegionCode: { from: LIZI_OTHER_VILLAGE, to: SHETAN_VILLAGE } });
  t.equal(audit.region_code, SHETAN_VILLAGE);
  const back = await patch('11010519491231002X', { hukouRegionCode: LIZI_VILLAGE }, admin.headers);
  t.equal(back.statusCode, 200);
});

t.test('search by exact ID number takes 15 or 18 digits', async (t) => {
  const upgraded = idOf('44011319141005001');
  const short = await search('idNumber=440113141005001');
  t.equal(short.statusCode, 200);
  t.same(
    short.json().items.map((p: { idNumber: string }) => p.idNumber),
    [upgraded],
  );
  t.match(short.json(), { limit: 50, offset: 0, nextOffset: null });
  const lower = await search('idNumber=11010519491231002x');
  t.equal(lower.json().items[0].name, '王秀英');
  const bad = await search('idNumber=110105194912310021');
  t.equal(bad.statusCode, 400);
  t.same(paths(bad), ['querystring.idNumber']);
});

t.test('a search never tells whether a person exists outside the key’s region', async (t) => {
  // The rule: outside the region and never registered give the same empty page; only a direct
  // GET /v1/persons/{idNumber} answers OUT_OF_SCOPE, per contracts/auth.md.
  const outside = await search(`idNumber=${MOTHER}`, zhongxian.headers);
  const unknown = await search(`idNumber=${UNREGISTERED}`, zhongxian.headers);
  t.equal(outside.statusCode, 200);
  t.same(outside.json(), { items: [], limit: 50, offset: 0, nextOffset: null });
  t.same(unknown.json(), outside.json());
  const byName = await search(`villageCode=${LIZI_VILLAGE}&name=${encodeURIComponent('刘')}`, zhongxian.headers);
  t.equal(byName.statusCode, 200);
  t.same(byName.json().items, []);
  const neighbour = await search(`villageCode=${LIZI_VILLAGE}`, shetan.headers);
  t.same(neighbour.json().items, []);
  const household = (await db.selectFrom('enrollment.households').select('id').executeTakeFirstOrThrow()).id;
  const byHousehold = await search(`householdId=${household}`, shetan.headers);
  t.same(byHousehold.json().items, []);
  const ownVillage = await search(`idNumber=${MOTHER}`, collector.headers);
  t.equal(ownVillage.json().items.length, 1);
  const otherVillage = await search(`villageCode=${LIZI_OTHER_VILLAGE}`, collector.headers);
  t.same(otherVillage.json().items, []);
});

t.test('search by name prefix within a village, paged by offset', async (t) => {
  const liu = await search(`villageCode=${LIZI_VILLAGE}&name=${encodeURIComponent('刘')}`);
  t.same(
    liu.json().items.map((p: { name: string }) => p.name),
    ['刘小宝', '刘芳芳'],
  );
  const all = await search(`villageCode=${LIZI_VILLAGE}`);
  const names = all.json().items.map((p: { name: string }) => p.name);
  t.same(names, ['刘小宝', '刘芳芳', '张伟', '李明', '王秀英']);

  const first = await search(`villageCode=${LIZI_VILLAGE}&limit=2`);
  t.match(first.json(), { limit: 2, offset: 0, nextOffset: 2 });
  const last = await search(`villageCode=${LIZI_VILLAGE}&limit=2&offset=4`);
  t.match(last.json(), { limit: 2, offset: 4, nextOffset: null });
  t.same(
    last.json().items.map((p: { name: string }) => p.name),
    ['王秀英'],
  );

  const wildcard = await search(`villageCode=${LIZI_VILLAGE}&name=%25`);
  t.same(wildcard.json().items, [], 'a % in the name is a literal character');
});

t.test('search by household lists the head first', async (t) => {
  const household = (await db.selectFrom('enrollment.households').select('id').executeTakeFirstOrThrow()).id;
  const res = await search(`householdId=${household}`);
  t.same(
    res.json().items.map((p: { idNumber: string; relation: string }) => [p.idNumber, p.relation]),
    [
      [MOTHER, 'head'],
      [FATHER, 'spouse'],
      [BABY, 'child'],
    ],
  );
});

t.test('search rejects a missing or doubled mode and a page above 200', async (t) => {
  for (const [query, expected] of [
    ['', ['querystring']],
    [`idNumber=${MOTHER}&villageCode=${LIZI_VILLAGE}`, ['querystring']],
    [`name=${encodeURIComponent('刘')}`, ['querystring', 'querystring.name']],
    [`villageCode=${LIZI_VILLAGE}&limit=201`, ['querystring.limit']],
    [`villageCode=${LIZI_VILLAGE}&offset=-1`, ['querystring.offset']],
    ['villageCode=500230209', ['querystring.villageCode']],
    ['householdId=not-a-uuid', ['querystring.householdId']],
  ] as const) {
    const res = await search(query);
    t.equal(res.statusCode, 400, query);
    t.equal(res.json().code, 'VALIDATION_FAILED', query);
    t.same(paths(res), expected, query);
  }
  const max = await search(`villageCode=${LIZI_VILLAGE}&limit=200`);
  t.equal(max.statusCode, 200);
});

t.test('dashboards and department feeds see ID numbers, names and phones masked; writers see them whole', async (t) => {
  await patch(MOTHER, { phone: '13812345678' });
  const whole = { idNumber: MOTHER, name: '刘芳芳', phone: '13812345678' };
  const masked = { idNumber: `500230********${MOTHER.slice(-4)}`, name: '刘**', phone: '138****5678' };
  for (const [role, key, expected] of [
    ['admin', admin, whole],
    ['county-operator', fengdu, whole],
    ['township-operator', lizi, whole],
    ['collector', collector, whole],
    ['dashboard', dashboard, masked],
    ['department-feed', feed, masked],
  ] as const) {
    const one = await app.inject({ method: 'GET', url: `/v1/persons/${MOTHER}`, headers: key.headers });
    t.equal(one.statusCode, 200, role);
    t.match(one.json(), expected, role);
    const found = await search(`villageCode=${LIZI_VILLAGE}&name=${encodeURIComponent('刘芳')}`, key.headers);
    t.match(found.json().items, [expected], role);
  }
  const baby = await app.inject({ method: 'GET', url: `/v1/persons/${BABY}`, headers: dashboard.headers });
  t.equal(baby.json().guardianIdNumber, `500230********${FATHER.slice(-4)}`);
  t.notMatch(baby.body, FATHER);
});
