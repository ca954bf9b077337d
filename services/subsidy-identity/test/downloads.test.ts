import { BatchDiffSchema } from '@rmi/contracts';
import { readWorkbook } from '@rmi/ingest/testing';
import { createTestKey } from '@rmi/service-kit';
import ExcelJS from 'exceljs';
import t from 'tap';
import { csvRows, idNumbers, LIZI, postFeed, setup, V, XLSX_TYPE } from './identities-setup.js';

const { app, db, keys } = await setup(t);
const id = idNumbers(1);
const [a, b, c, d, e] = [id(), id(), id(), id(), id()];
// People on both lists, unchanged: the guard holds a snapshot that removes more than a fifth.
const steady = [id(), id(), id()].map((n, i) => [n, `孙${i}`, '低保对象', V.pingan, '2023-01-01']);

// March: four people. April: `a` gone, `b` moved to another village, `c`'s date corrected, `e` new,
// and one row whose ID number Excel shortened.
const march = await postFeed(app, keys.civil, [
  [a, '张三', '低保对象', V.nanjiang, '2024-01-01'],
  [b, '李四', '特困人员', V.nanjiang, '2024-02-01'],
  [c, '王五', '低保对象', V.jianlong, '2024-03-01'],
  [d, '=1+2', '低保对象', V.desheng, '2024-03-01'],
  ...steady,
]);
const april = await postFeed(
  app,
  keys.civil,
  [
    [b, '李四', '特困人员', V.jianlong, ''],
    [c, '王五', '低保对象', V.jianlong, '2024-03-15'],
    [d, '=1+2', '低保对象', V.desheng, '2024-03-01'],
    [e, '赵六', '低保对象', V.desheng, '2025-04-01'],
    ['5.00230E+17', '钱七', '低保对象', V.desheng, ''],
    ...steady,
  ],
  { query: 'mode=snapshot&period=2025-04' },
);

const get = (url: string, key = keys.civil) => app.inject({ method: 'GET', url, headers: key.headers });

t.test('the posted lists were applied (the diff below is of the second)', async (t) => {
  t.equal(march.status, 'applied');
  t.equal(april.status, 'applied');
  t.match(april.counts, { added: 1, removed: 1, moved: 1, changed: 1, errors: 1 });
});

t.test('JSON diff: every change with the spell before and after, ID numbers whole for the department', async (t) => {
  const res = await get(`/v1/feeds/batches/${april.batchId}/diff`);
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /application\/json/);
  const diff = BatchDiffSchema.parse(res.json());
  t.match(diff, { batchId: april.batchId, department: 'civil-affairs', period: '2025-04', status: 'applied' });
  const byChange = Object.fromEntries(diff.rows.map((r) => [r.change, r]));
  t.same(Object.keys(byChange).sort(), ['added', 'changed', 'moved', 'removed']);
  t.match(byChange.removed, {
    idNumber: a,
    name: '张三',
    identity: 'subsistence-allowance',
    before: { villageCode: V.nanjiang, from: '2024-01-01', to: null },
    after: { villageCode: null, to: '2025-03-31' },
  });
  t.match(byChange.moved, {
    idNumber: b,
    identity: 'extreme-poverty',
    before: { villageCode: V.nanjiang },
    after: { villageCode: V.jianlong, from: '2025-04-01' },
  });
  t.match(byChange.changed, { idNumber: c, before: { from: '2024-03-01' }, after: { from: '2024-03-15' } });
  t.match(byChange.added, {
    idNumber: e,
    name: '赵六',
    before: null,
    after: { villageCode: V.desheng, from: '2025-04-01' },
  });
  t.ok(
    diff.rows.every((r, i) => i === 0 || (diff.rows[i - 1] as { idNumber: string }).idNumber <= r.idNumber),
    'in ID-number order',
  );
});

t.test('change= keeps one kind of change', async (t) => {
  const res = await get(`/v1/feeds/batches/${april.batchId}/diff?change=moved`);
  t.same(
    res.json().rows.map((r: { idNumber: string }) => r.idNumber),
    [b],
  );
});

t.test('CSV diff: Chinese headers, 变动类型 in words, cells never formulas', async (t) => {
  const res = await get(`/v1/feeds/batches/${march.batchId}/diff?format=csv`);
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/csv/);
  t.match(res.headers['content-disposition'], /attachment; filename="diff-civil-affairs-2025-03-.*\.csv"/);
  t.ok(res.body.startsWith('\uFEFF'), 'a BOM for Excel');
  const rows = csvRows(res.body);
  t.same(rows[0], [
    '身份证号码',
    '姓名',
    '身份类别',
    '身份代码',
    '变动类型',
    '原村',
    '原村代码',
    '现村',
    '现村代码',
    '原纳入时间',
    '现纳入时间',
    '原退出时间',
    '现退出时间',
    '文件行号',
  ]);
  t.equal(rows.length, 8, 'the header and seven people added');
  const row = rows.find((r) => r[0] === d);
  t.match(row, [d, `'=1+2`, '低保对象', 'subsistence-allowance', '新增', '', '', '德盛村村民委员会', V.desheng]);
});

t.test('XLSX diff opens in a real XLSX reader with Chinese headers, ID numbers as text', async (t) => {
  const res = await get(`/v1/feeds/batches/${april.batchId}/diff?format=xlsx`);
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], XLSX_TYPE);
  const { name, rows, types } = await readWorkbook(res.rawPayload);
  t.equal(name, '变动明细');
  t.match(rows[0], ['身份证号码', '姓名', '身份类别', '身份代码', '变动类型', '原村']);
  t.equal(rows.length, 5, 'the header and four changes');
  const labels = rows.slice(1).map((r) => r[4]);
  t.same([...labels].sort(), ['新增', '迁移', '变更', '退出'].sort());
  t.ok(
    types.slice(1).every((k) => k[0] === ExcelJS.ValueType.String),
    'every ID number is a text cell',
  );
  const moved = rows.find((r) => r[0] === b);
  t.match(moved, [
    b,
    '李四',
    '特困人员',
    'extreme-poverty',
    '迁移',
    '南江村村民委员会',
    V.nanjiang,
    '建龙村村民委员会',
    V.jianlong,
  ]);
});

t.test('errors.csv: each bad row with its line, codes and cells as sent', async (t) => {
  const res = await get(`/v1/feeds/batches/${april.batchId}/errors.csv`);
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/csv/);
  const rows = csvRows(res.body);
  t.same(rows[0]?.slice(0, 3), ['行号 line', '错误代码 codes', '原因 reasons']);
  t.same(rows[0]?.slice(3, 5), ['身份证号码', '姓名'], 'the file’s columns, ID first');
  t.equal(rows.length, 2);
  const bad = rows[1] as string[];
  t.equal(bad[0], '6', 'the sixth line of the file (header = 1)');
  t.equal(bad[1], 'ID_NUMBER_MANGLED');
  t.match(bad[2], /idNumber: .* \[ID_NUMBER_MANGLED\]/);
  t.ok(bad.includes('5.00230E+17') && bad.includes('钱七'), 'the cells as sent');
});

t.test('who may read a batch', async (t) => {
  const url = `/v1/feeds/batches/${april.batchId}/diff`;
  t.equal((await get(url, keys.dpf)).json().code, 'OUT_OF_SCOPE', 'another department');
  t.equal((await get(url, keys.dpf)).statusCode, 403);
  t.equal((await get(url, keys.dashboard)).json().code, 'FORBIDDEN_ROLE');
  t.equal((await get(`/v1/feeds/batches/${crypto.randomUUID()}/diff`)).statusCode, 404);
  t.equal((await get(`/v1/feeds/batches/${crypto.randomUUID()}/diff`)).json().code, 'BATCH_NOT_FOUND');

  // The department's whole list: a township operator sees the changes in its villages only.
  const lizi = (await get(url, keys.lizi)).json() as { rows: { idNumber: string }[] };
  t.same(lizi.rows.map((r) => r.idNumber).sort(), [a, b, c].sort(), 'Lizi’s three, not Shetan’s');
  t.same((await get(url, keys.otherCounty)).json().rows, [], 'nothing in another county');
  t.equal((await get(url, keys.admin)).json().rows.length, 4);
  // …and not the bad rows of a list wider than its region.
  t.equal((await get(`/v1/feeds/batches/${april.batchId}/errors.csv`, keys.lizi)).statusCode, 403);
  t.equal((await get(`/v1/feeds/batches/${april.batchId}/errors.csv`, keys.admin)).statusCode, 200);
});

t.test('a regional feed key’s batch: its region reads it whole, another region not at all', async (t) => {
  const liziFeed = await createTestKey(db, 'department-feed', { department: 'civil-affairs', regionCode: LIZI });
  const shetanOperator = await createTestKey(db, 'township-operator', { regionCode: '500230102' });
  const batch = await postFeed(app, liziFeed, [[idNumbers(9)(), '孙八', '低保对象', V.nanjiang, '']], {
    query: 'mode=snapshot&period=2025-05',
  });
  const url = `/v1/feeds/batches/${batch.batchId}/diff`;
  t.equal((await get(url, liziFeed)).json().rows.length > 0, true);
  t.equal((await get(url, keys.county)).statusCode, 200, 'the county around it');
  t.equal((await get(url, shetanOperator)).statusCode, 403, 'a township beside it');
  t.equal((await get(`/v1/feeds/batches/${batch.batchId}/errors.csv`, keys.lizi)).statusCode, 200);
});
