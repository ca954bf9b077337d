import { createTestKey } from '@rmi/service-kit';
import t from 'tap';
import { idNumbers, loadCq2026, setup } from './helpers.js';

// What an uploader is told: when the 202 comes, and what the rejections download holds.

const { app, db } = await setup(t);
await loadCq2026(db);

const V1 = '500230209001';
const lizi = await createTestKey(db, 'township-operator', { regionCode: '500230209' });
const idNumber = idNumbers();

const upload = (csv: string, query: string) =>
  app.inject({
    method: 'POST',
    url: `/v1/registration-imports?year=2026&${query}`,
    headers: { ...lizi.headers, 'content-type': 'text/csv' },
    payload: csv,
  });

t.test('the 202 comes once the whole file is in: it reads validating or later, never receiving', async (t) => {
  const rows = Array.from({ length: 200 }, () => `${idNumber()},张三,${V1}`);
  const csv = ['身份证号,姓名,村(社区)代码', ...rows].join('\n');
  const res = await upload(csv, 'mode=whole-file');
  t.equal(res.statusCode, 202);
  const body = res.json();
  t.not(body.status, 'receiving');
  t.ok(['validating', 'applying', 'applied'].includes(body.status), body.status);
  t.equal(body.bytesReceived, Buffer.byteLength(csv), 'every byte is counted');
  t.match(res.headers.location, /^\/v1\/registration-imports\/[0-9a-f-]{36}$/);
});

t.test('rejections.csv never hands Excel a formula: cells starting with = + - @ are text', async (t) => {
  const good = idNumber();
  const csv = [
    '身份证号,姓名,村(社区)代码,联系电话',
    `${good},李四,${V1},13800001111`,
    `12345,"=HYPERLINK(""http://example.invalid"",""点我"")",${V1},+8613800001111`,
    `${idNumber().slice(0, 17)}Y,@SUM(A1),${V1},-1`,
  ].join('\n');
  const res = await upload(csv, 'mode=valid-rows&wait=true');
  t.equal(res.statusCode, 200);
  t.match(res.json(), { rowsRejected: 2, enrolmentsCreated: 1 });
  const download = await app.inject({ url: `${res.json().links.rejections}`, headers: lizi.headers });
  t.equal(download.statusCode, 200);
  const lines = download.body
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\n');
  t.equal(lines.length, 3, 'header and two rejected rows');
  t.match(
    lines[1],
    /^3,[^,]*,12345,"'=HYPERLINK\(""http:\/\/example.invalid"",""点我""\)",500230209001,'\+8613800001111$/,
  );
  t.match(lines[2], /,'@SUM\(A1\),500230209001,'-1$/);
  for (const line of lines) {
    for (const cell of line.split(','))
      t.notMatch(cell.replace(/^"/, ''), /^[=+\-@]/, `no cell starts a formula: ${cell}`);
  }
});
