import { PersonIdentitiesSchema, PersonIdentityHistorySchema } from '@rmi/contracts';
import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { csvOf, idNumbers, postFeed, setup, V } from './identities-setup.js';

const { app, db, keys } = await setup(t);
const id = idNumbers(4);
const [p, q] = [id(), id()];
const others = Array.from({ length: 8 }, () => id());
const steady = others.map((n, i) => [n, `丁${i}`, '低保对象', V.pingan, '2023-01-01']);

// p: 低保 from 2024-01-01 in 南江村; the March 2025 list moves p to 建龙村 and certifies 特困 too
// (from 2025-02-10); the federation certifies 重度残疾 from 2024-06-01. q is certified and then
// dropped (April), ending the day before.
const jan = await postFeed(
  app,
  keys.civil,
  [[p, '周一', '低保对象', V.nanjiang, '2024-01-01'], [q, '周二', '低保对象', V.nanjiang, '2024-05-01'], ...steady],
  { query: 'mode=snapshot&period=2025-01' },
);
const march = await postFeed(
  app,
  keys.civil,
  [
    [p, '周一', '低保对象', V.jianlong, ''],
    [p, '周一', '特困人员', V.jianlong, '2025-02-10'],
    [q, '周二', '低保对象', V.nanjiang, '2024-05-01'],
    ...steady,
  ],
  { query: 'mode=snapshot&period=2025-03' },
);
await postFeed(
  app,
  keys.civil,
  [[p, '周一', '低保对象', V.jianlong, ''], [p, '周一', '特困人员', V.jianlong, '2025-02-10'], ...steady],
  {
    query: 'mode=snapshot&period=2025-04',
  },
);
const dpf = await postFeed(app, keys.dpf, [[p, '周一', '重度残疾', V.jianlong, '2024-06-01']], {
  department: 'disabled-persons-federation',
  query: 'mode=snapshot&period=2025-01',
});

const get = (url: string, key = keys.admin) => app.inject({ method: 'GET', url, headers: key.headers });

t.test('identities on a day, with the highest assistance under that year’s policy (就高, 003#五)', async (t) => {
  const res = await get(`/v1/persons/${p}/identities?on=2025-03-15`);
  t.equal(res.statusCode, 200);
  const answer = PersonIdentitiesSchema.parse(res.json());
  t.equal(answer.on, '2025-03-15');
  t.same(
    answer.identities.map((x) => [x.code, x.label, x.department, x.regionCode, x.from, x.to]),
    [
      ['extreme-poverty', '特困人员', 'civil-affairs', V.jianlong, '2025-02-10', null],
      ['subsistence-allowance', '低保对象', 'civil-affairs', V.jianlong, '2025-03-01', null],
      ['severe-disability', '重度残疾', 'disabled-persons-federation', V.jianlong, '2024-06-01', null],
    ],
  );
  t.equal(answer.identities[0]?.batchId, march.batchId);
  // The day falls in 2025 and no 2026 policy has opened: the 2025 policy, tier 1 by default.
  t.match(answer.assistance, {
    year: 2025,
    tier: 1,
    policyId: 'cq-2025',
    identity: 'extreme-poverty',
    assistanceFen: 40000,
  });
  t.ok(answer.assistance.reasons.some((r) => r.rule === 'highest-applies' && r.source.startsWith('003_')));
});

t.test('a past day answers what was held then', async (t) => {
  const feb = PersonIdentitiesSchema.parse((await get(`/v1/persons/${p}/identities?on=2025-02-28`)).json());
  t.same(
    feb.identities.map((x) => [x.code, x.regionCode, x.to]),
    [
      ['extreme-poverty', V.jianlong, null],
      ['subsistence-allowance', V.nanjiang, '2025-02-28'],
      ['severe-disability', V.jianlong, null],
    ],
    'the spell in 南江村 ends the day before the move',
  );
  const jan2024 = PersonIdentitiesSchema.parse((await get(`/v1/persons/${p}/identities?on=2024-01-15&tier=2`)).json());
  t.same(
    jan2024.identities.map((x) => x.code),
    ['subsistence-allowance'],
  );
  // In January 2024 the 2024 contributions were collected; cq-2024 has no assistance table loaded.
  t.match(jan2024.assistance, { year: 2024, tier: 2, policyId: 'cq-2024', identity: null, assistanceFen: null });
  t.equal(jan2024.assistance.reasons[0]?.rule, 'assistance-table-missing');

  // From 2024-09-14 the 2025 contributions were collected (003#三): the 2025 policy decides.
  const autumn = PersonIdentitiesSchema.parse((await get(`/v1/persons/${p}/identities?on=2024-10-01`)).json());
  t.match(autumn.assistance, {
    year: 2025,
    policyId: 'cq-2025',
    identity: 'subsistence-allowance',
    assistanceFen: 36000,
  });
  const asked = PersonIdentitiesSchema.parse((await get(`/v1/persons/${p}/identities?on=2024-10-01&year=2023`)).json());
  t.match(asked.assistance, { year: 2023, policyId: 'cq-2023', assistanceFen: 31500 }, '2023: 低保 90% of 350');
});

t.test('without `on`, today (Asia/Shanghai); someone holding nothing gets no assistance', async (t) => {
  const stranger = id();
  const answer = PersonIdentitiesSchema.parse((await get(`/v1/persons/${stranger}/identities`)).json());
  t.match(answer.on, /^\d{4}-\d{2}-\d{2}$/);
  t.same(answer.identities, []);
  t.match(answer.assistance, { identity: null, assistanceFen: 0 });
  const dropped = PersonIdentitiesSchema.parse((await get(`/v1/persons/${q}/identities?on=2025-04-01`)).json());
  t.same(dropped.identities, [], 'q was dropped from the April list');
});

t.test('history: every spell, ended ones with why', async (t) => {
  const res = await get(`/v1/persons/${p}/identities/history`);
  t.equal(res.statusCode, 200);
  const history = PersonIdentityHistorySchema.parse(res.json());
  t.equal(history.diedOn, null);
  t.same(
    history.spells.map((s) => [s.code, s.regionCode, s.from, s.to, s.current, s.endedReason, s.batchId]),
    [
      ['subsistence-allowance', V.nanjiang, '2024-01-01', '2025-02-28', false, 'moved', jan.batchId],
      ['severe-disability', V.jianlong, '2024-06-01', null, true, null, dpf.batchId],
      ['extreme-poverty', V.jianlong, '2025-02-10', null, true, null, march.batchId],
      ['subsistence-allowance', V.jianlong, '2025-03-01', null, true, null, march.batchId],
    ],
  );
  const qHistory = PersonIdentityHistorySchema.parse((await get(`/v1/persons/${q}/identities/history`)).json());
  t.match(qHistory.spells, [{ to: '2025-03-31', current: false, endedReason: 'absent', name: '周二' }]);
});

t.test('a department feed sees its own spells only; a region its villages only', async (t) => {
  const civil = PersonIdentityHistorySchema.parse(
    (await get(`/v1/persons/${p}/identities/history`, keys.civil)).json(),
  );
  t.ok(civil.spells.every((s) => s.department === 'civil-affairs'));
  t.equal(civil.spells.length, 3);
  t.equal(civil.idNumber, p, 'its own people whole');
  const onDay = PersonIdentitiesSchema.parse((await get(`/v1/persons/${p}/identities?on=2025-03-15`, keys.dpf)).json());
  t.same(
    onDay.identities.map((x) => x.code),
    ['severe-disability'],
  );
  t.match(onDay.assistance, { identity: 'severe-disability', assistanceFen: 28000 }, 'from what it may see');

  const shetan = await createTestKey(db, 'township-operator', { regionCode: '500230102' });
  const none = PersonIdentityHistorySchema.parse((await get(`/v1/persons/${p}/identities/history`, shetan)).json());
  t.same(none.spells, [], 'nothing in Shetan');
  const lizi = PersonIdentityHistorySchema.parse((await get(`/v1/persons/${p}/identities/history`, keys.lizi)).json());
  t.equal(lizi.spells.length, 4);
  t.equal(lizi.spells[0]?.name, '周一', 'operators see names whole');
  t.equal((await get(`/v1/persons/${p}/identities`, keys.dashboard)).json().code, 'FORBIDDEN_ROLE');
});

t.test('a feed key of a department that certified nothing of the person sees nothing', async (t) => {
  const education = await createTestKey(db, 'department-feed', { department: 'education' });
  const answer = PersonIdentitiesSchema.parse(
    (await get(`/v1/persons/${p}/identities?on=2025-03-15`, education)).json(),
  );
  t.same(answer.identities, []);
  t.match(answer.assistance, { identity: null, assistanceFen: 0 });
  const history = PersonIdentityHistorySchema.parse(
    (await get(`/v1/persons/${p}/identities/history`, education)).json(),
  );
  t.same(history.spells, []);
});

t.test('an ID number that fails validation is 422 naming the field', async (t) => {
  for (const bad of ['500230195001011234', '12345', '5.00230E+17']) {
    const res = await get(`/v1/persons/${encodeURIComponent(bad)}/identities`);
    t.equal(res.statusCode, 422, bad);
    t.match(res.json(), { code: 'INVALID_ID_NUMBER', errors: [{ path: 'params.idNumber' }] });
  }
  const history = await get('/v1/persons/500230195001011234/identities/history');
  t.equal(history.statusCode, 422);
  const lower = await get(
    `/v1/persons/${p.slice(0, 17)}${p.endsWith('X') ? 'x' : p.slice(17)}/identities?on=2025-03-15`,
  );
  t.equal(lower.statusCode, 200);
});

t.test('a death shows in the history', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/deaths',
    headers: { ...keys.health.headers, 'content-type': 'text/csv' },
    payload: csvOf([
      ['身份证号码', '姓名', '死亡时间'],
      [q, '周二', '2025-05-01'],
    ]),
  });
  t.equal(res.statusCode, 200);
  const history = PersonIdentityHistorySchema.parse((await get(`/v1/persons/${q}/identities/history`)).json());
  t.equal(history.diedOn, '2025-05-01');
});

t.test('the OpenAPI document describes the read side', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const paths = Object.keys(res.json().paths);
  for (const path of [
    '/v1/persons/{idNumber}/identities',
    '/v1/persons/{idNumber}/identities/history',
    '/v1/feeds/batches/{id}/diff',
    '/v1/feeds/batches/{id}/errors.csv',
    '/v1/deaths',
    '/v1/rosters',
  ]) {
    t.ok(paths.includes(path), path);
  }
});
