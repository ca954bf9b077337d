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
    payload: { idNumber: '440113141005001', name: '李明', hukouRegionCode: LIZI_VILLAGE, category: 'student' },
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

t.test('an unknown person is 404 and a dashboard key may not read persons', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/v1/persons/44011320141005001X', headers: lizi.headers });
  t.equal(res.statusCode, 404);
  t.equal(res.json().code, 'PERSON_NOT_FOUND');
  const dash = await createTestKey(db, 'dashboard', { regionCode: LIZI });
  const denied = await app.inject({ method: 'GET', url: '/v1/persons/11010519491231002X', headers: dash.headers });
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
