import { IDENTITY_EVENTS } from '@rmi/contracts';
import { maxOutboxId, outboxSince } from '@rmi/outbox/testing';
import { maskIdNumber } from '@rmi/rules';
import { createTestKey } from '@rmi/service-kit';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import t from 'tap';
import { csvOf, idNumbers, postFeed, setup, V, XLSX_TYPE } from '../services/subsidy-identity/test/identities-setup.js';
import { enrollmentAlongside } from './helpers/enrollment-alongside.js';

const { app, enrollment, db, keys } = await setup(t, { alongside: enrollmentAlongside });
const enrol = enrollment as FastifyInstance;
const id = idNumbers(2);
const [p1, p2, p3, p4, p5] = [id(), id(), id(), id(), id()];
const others = [id(), id(), id(), id(), id(), id()];

// Civil affairs certifies five people (and six others, so later lists never trip the guard);
// the disabled persons' federation one of them too.
await postFeed(app, keys.civil, [
  [p1, '张一', '低保对象', V.nanjiang, '2024-01-01'],
  [p2, '张二', '特困人员', V.nanjiang, '2024-01-01'],
  [p3, '张三', '低保对象', V.jianlong, '2024-01-01'],
  [p4, '张四', '低保对象', V.jianlong, '2024-01-01'],
  [p5, '张五', '低保对象', V.desheng, '2024-01-01'],
  ...others.map((n, i) => [n, `李${i}`, '低保对象', V.pingan, '2024-01-01']),
]);
await postFeed(app, keys.dpf, [[p3, '张三', '重度残疾', V.jianlong, '2024-06-01']], {
  department: 'disabled-persons-federation',
});

// Enrollment knows p1 (registered for 2025) and p2 (registered for 2024 and 2025); p3 not at all.
async function enrolled(idNumber: string, name: string, years: number[]) {
  const person = await enrol.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: keys.admin.headers,
    payload: { idNumber, name, hukouRegionCode: V.nanjiang },
  });
  if (person.statusCode !== 201) throw new Error(person.body);
  for (const year of years) {
    const res = await enrol.inject({
      method: 'POST',
      url: '/v1/enrolments',
      headers: keys.admin.headers,
      payload: { idNumber, year },
    });
    if (res.statusCode !== 201) throw new Error(res.body);
  }
}
await enrolled(p1, '张一', [2025]);
await enrolled(p2, '张二', [2024, 2025]);

const postDeaths = (body: string | Buffer, key = keys.health, type = 'text/csv', query = '') =>
  app.inject({
    method: 'POST',
    url: `/v1/deaths${query}`,
    headers: { ...key.headers, 'content-type': type },
    payload: body,
  });

const HEADER = ['身份证号码', '姓名', '死亡时间'];
const list = csvOf([
  HEADER,
  [p1, '张一', '2025-03-10'],
  [p2, '张二', '2025/2/1'],
  [p3, '张三', '2025年1月15日'],
  ['500230195001011234', '错号', '2025-01-01'],
  [p4, '张四', '2099-01-01'],
  [p1, '张一', '2025-03-10'],
  [p5, '张五', '2025-03'],
]);

async function spellsOf(idNumber: string) {
  const { rows } = await sql<{
    department: string;
    valid_to: string | null;
    current: boolean;
    ended_reason: string | null;
  }>`select department, valid_to, current, ended_reason from identity.spells where id_number = ${idNumber}
     order by department`.execute(db);
  return rows;
}

t.test('a death list ends every spell on the death day and tells what enrollment will do', async (t) => {
  const before = await maxOutboxId(db, 'identity');
  const res = await postDeaths(list);
  t.equal(res.statusCode, 200, res.body);
  const answer = res.json();
  t.match(answer, {
    rows: 7,
    deaths: 3,
    alreadyRecorded: 0,
    spellsEnded: 4,
    enrolmentsCancelled: 3,
    notRegistered: [maskIdNumber(p3)],
    notRegisteredCount: 1,
  });
  t.same(
    answer.errors.map((e: { line: number; column: string; code: string }) => [e.line, e.column, e.code]),
    [
      [5, 'idNumber', 'INVALID_ID_NUMBER'],
      [6, 'diedOn', 'INVALID_DATE'],
      [7, 'idNumber', 'DUPLICATE_ROW'],
      [8, 'diedOn', 'INVALID_DATE'],
    ],
  );

  t.same(await spellsOf(p1), [
    { department: 'civil-affairs', valid_to: '2025-03-10', current: false, ended_reason: 'death' },
  ]);
  t.same(
    (await spellsOf(p3)).map((s) => [s.department, s.valid_to, s.ended_reason]),
    [
      ['civil-affairs', '2025-01-15', 'death'],
      ['disabled-persons-federation', '2025-01-15', 'death'],
    ],
  );
  t.match(await spellsOf(p4), [{ current: true, valid_to: null }], 'a bad row changes nothing');

  const events = await outboxSince(db, 'identity', before);
  t.same(
    events.filter((e) => e.topic === 'person.died').map((e) => e.payload),
    [
      { idNumber: p1, diedOn: '2025-03-10', department: 'health' },
      { idNumber: p2, diedOn: '2025-02-01', department: 'health' },
      { idNumber: p3, diedOn: '2025-01-15', department: 'health' },
    ].sort((a, b) => a.idNumber.localeCompare(b.idNumber)),
  );
  const ended = events.filter((e) => e.topic === 'identity.ended');
  t.equal(ended.length, 4);
  t.match(ended.find((e) => e.payload.idNumber === p1)?.payload, {
    identityCode: 'subsistence-allowance',
    department: 'civil-affairs',
    regionCode: V.nanjiang,
    validTo: '2025-03-10',
    reason: 'death',
    batchId: null,
  });
  for (const e of events) {
    const schema = IDENTITY_EVENTS[e.topic as keyof typeof IDENTITY_EVENTS];
    t.ok(schema.safeParse(e.payload).success, `${e.topic} fits its published schema`);
  }

  const audit = await sql<{ action: string; details: Record<string, unknown> }>`
    select action, details from core.audit_log where action = 'deaths.record'`.execute(db);
  t.equal(audit.rows.length, 1, 'one audit row');
  t.match(audit.rows[0]?.details, { department: 'health', deaths: 3, spellsEnded: 4 });

  const held = await app.inject({
    method: 'GET',
    url: `/v1/persons/${p1}/identities?on=2025-03-11&year=2025`,
    headers: keys.admin.headers,
  });
  t.same(held.json().identities, [], 'nothing held the day after');
});

t.test('the same list again changes nothing', async (t) => {
  const before = await maxOutboxId(db, 'identity');
  const res = await postDeaths(list);
  t.equal(res.statusCode, 200);
  t.match(res.json(), { deaths: 0, alreadyRecorded: 3, spellsEnded: 0, enrolmentsCancelled: 0 });
  t.same(await outboxSince(db, 'identity', before), [], 'no event');
});

t.test('an earlier day reported later wins, and cuts the spells back', async (t) => {
  const before = await maxOutboxId(db, 'identity');
  const res = await postDeaths(csvOf([HEADER, [p1, '张一', '2025-03-01']]), keys.civil);
  t.match(res.json(), { deaths: 1, spellsEnded: 1 });
  t.match(await spellsOf(p1), [{ valid_to: '2025-03-01', ended_reason: 'death' }]);
  t.same(
    (await outboxSince(db, 'identity', before)).map((e) => [e.topic, e.payload.diedOn ?? e.payload.validTo]),
    [
      ['person.died', '2025-03-01'],
      ['identity.ended', '2025-03-01'],
    ],
  );
  const later = await postDeaths(csvOf([HEADER, [p1, '张一', '2025-03-20']]));
  t.match(later.json(), { deaths: 0, alreadyRecorded: 1, spellsEnded: 0 }, 'a later day changes nothing');
});

t.test('two lists naming the same people at once record each death and end each spell once', async (t) => {
  const before = await maxOutboxId(db, 'identity');
  const body = csvOf([HEADER, [p4, '张四', '2025-04-01'], [p5, '张五', '2025-04-02']]);
  const [a, b] = await Promise.all([postDeaths(body), postDeaths(body, keys.civil)]);
  t.equal(a.statusCode, 200);
  t.equal(b.statusCode, 200);
  t.equal(a.json().deaths + b.json().deaths, 2, 'two deaths between them');
  t.equal(a.json().spellsEnded + b.json().spellsEnded, 2, 'two spells between them');
  const events = await outboxSince(db, 'identity', before);
  t.equal(events.filter((e) => e.topic === 'person.died').length, 2);
  t.equal(events.filter((e) => e.topic === 'identity.ended').length, 2);
  t.match(await spellsOf(p4), [{ valid_to: '2025-04-01', current: false }]);
});

t.test('XLSX and NDJSON lists read the same way', async (t) => {
  const [x1, x2] = [others[0] as string, others[1] as string];
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('死亡名单');
  sheet.addRow(['2025年死亡人员名单']);
  sheet.addRow(['身份证号', '姓名', '死亡日期']);
  sheet.addRow([x1, '李0', new Date(Date.UTC(2025, 4, 5))]);
  const xlsx = await postDeaths(Buffer.from(await workbook.xlsx.writeBuffer()), keys.health, XLSX_TYPE);
  t.equal(xlsx.statusCode, 200, xlsx.body);
  t.match(xlsx.json(), { rows: 1, deaths: 1, spellsEnded: 1, errors: [] });
  t.match(await spellsOf(x1), [{ valid_to: '2025-05-05' }]);

  const ndjson = await postDeaths(
    `${JSON.stringify({ idNumber: x2, name: '李1', diedOn: '2025-05-06' })}\n`,
    keys.health,
    'application/x-ndjson',
  );
  t.match(ndjson.json(), { rows: 1, deaths: 1, spellsEnded: 1 });
});

t.test('what a file must be', async (t) => {
  const missing = await postDeaths(
    csvOf([
      ['身份证号码', '姓名'],
      [p4, '张四'],
    ]),
  );
  t.equal(missing.statusCode, 422);
  t.match(missing.json(), { code: 'MISSING_COLUMNS', missing: ['diedOn'], header: ['身份证号码', '姓名'] });
  const binary = await postDeaths(Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00]));
  t.equal(binary.statusCode, 400);
  t.equal(binary.json().code, 'FILE_UNREADABLE');
});

t.test('who may post deaths', async (t) => {
  const body = csvOf([HEADER, [others[2] as string, '李2', '2025-05-01']]);
  const dpf = await postDeaths(body, keys.dpf);
  t.equal(dpf.statusCode, 403);
  t.equal(dpf.json().code, 'OUT_OF_SCOPE');
  t.equal((await postDeaths(body, keys.dashboard)).json().code, 'FORBIDDEN_ROLE');
  const noDepartment = await postDeaths(body, keys.admin);
  t.equal(noDepartment.statusCode, 400);
  t.equal(noDepartment.json().errors[0].path, 'querystring.department');
  const regional = await createTestKey(db, 'department-feed', { department: 'health', regionCode: '500233' });
  const outside = await postDeaths(body, regional);
  t.match(outside.json(), { deaths: 0, errors: [{ line: 2, column: 'idNumber', code: 'OUT_OF_SCOPE' }] });
  const admin = await postDeaths(body, keys.admin, 'text/csv', '?department=civil-affairs');
  t.match(admin.json(), { deaths: 1, spellsEnded: 1 });
});
