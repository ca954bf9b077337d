import { createTestKey } from '@rmi/service-kit';
import ExcelJS from 'exceljs';
import t from 'tap';
import { csvOf, currentList, idNumbers, postFeed, setupFeeds, spellsOf, V, XLSX } from './feeds-helpers.js';

// Lists as departments keep them: a workbook with a merged title and numbers Excel shortened, a
// tab-separated UTF-8 export with a BOM and Chongqing's assistance numbers, NDJSON from a system,
// a disability list by grade, villages written by name.

const { app, db } = await setupFeeds(t, { LOG_LEVEL: 'error' });
const idNumber = idNumbers();

t.test(
  'an XLSX with a merged title row: the header is found, sheet rows are the lines, shortened IDs are refused',
  async (t) => {
    const veterans = await createTestKey(db, 'department-feed', { department: 'veterans-affairs' });
    const people = Array.from({ length: 5 }, () => idNumber());
    const short = people[4] as string;
    const fifteen = `${short.slice(0, 6)}${short.slice(8, 17)}`;
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('优抚对象');
    sheet.addRow(['丰都县2025年在乡重点优抚对象名册']);
    sheet.mergeCells(1, 1, 1, 7);
    sheet.addRow(['制表单位：丰都县退役军人事务局']);
    sheet.addRow(['序号', '公民身份号码', '姓名', '人员类别', '乡镇', '所在村', '认定日期']);
    sheet.addRow([1, people[0], '张一', '在乡重点优抚对象', '社坛镇', '德盛村', new Date('2020-05-01T00:00:00Z')]);
    sheet.addRow([2, people[1], '张二', '在乡老复员军人', '社坛镇', '五福村', '']);
    // Typed into a "General" cell: Excel keeps 15 significant digits.
    sheet.addRow([3, Number(`${(people[2] as string).slice(0, 15)}000`), '张三', '烈士遗属', '栗子乡', '南江村', '']);
    sheet.addRow([4, people[3], '张四', '7052', '', V.jianlong, '2019/3/9']);
    // A first-generation number of 15 digits is upgraded.
    sheet.addRow([5, fifteen, '张五', '病故军人遗属', '栗子乡', '建龙村', '']);
    const file = Buffer.from(await workbook.xlsx.writeBuffer());

    const res = await postFeed(app, veterans, file, {
      department: 'veterans-affairs',
      type: XLSX,
      query: 'mode=snapshot&period=2025-01',
    });
    t.equal(res.statusCode, 201, res.body);
    t.match(res.json(), {
      status: 'applied',
      rows: 5,
      counts: { added: 4, errors: 1, valid: 4 },
      errors: [{ line: 6, column: 'idNumber', code: 'ID_NUMBER_MANGLED' }],
    });
    t.equal(res.json().errors.length, 1);
    t.same(
      await currentList(db, 'veterans-affairs'),
      [
        `${people[0]}:priority-care-veteran@${V.desheng}`,
        `${people[1]}:old-demobilized-soldier@${V.wufu}`,
        `${people[3]}:priority-care-veteran@${V.jianlong}`,
        `${short}:deceased-soldier-family@${V.jianlong}`,
      ].sort(),
    );
    const spells = await spellsOf(db, 'veterans-affairs');
    t.match(
      spells.find((s) => s.id_number === people[0]),
      { valid_from: '2020-05-01' },
    );
    t.match(
      spells.find((s) => s.id_number === people[3]),
      { valid_from: '2019-03-09' },
    );

    t.test('a later snapshot naming another village moves the spell from the period’s first day', async (t) => {
      const res = await postFeed(
        app,
        veterans,
        csvOf([
          ['身份证号码', '姓名', '身份类别', '村（居）'],
          [people[0] as string, '张一', '在乡重点优抚对象', V.pingan],
          [people[1] as string, '张二', '在乡老复员军人', V.wufu],
          [people[3] as string, '张四', '在乡重点优抚对象', V.jianlong],
          [short, '张五', '病故军人遗属', V.jianlong],
        ]),
        { department: 'veterans-affairs', query: 'mode=snapshot&period=2025-02' },
      );
      t.equal(res.statusCode, 201, res.body);
      t.match(res.json().counts, { moved: 1, unchanged: 3, added: 0, removed: 0 });
      const spells = (await spellsOf(db, 'veterans-affairs')).filter((s) => s.id_number === people[0]);
      t.match(spells, [
        {
          region_code: V.desheng,
          valid_from: '2020-05-01',
          valid_to: '2025-01-31',
          current: false,
          ended_reason: 'moved',
        },
        { region_code: V.pingan, valid_from: '2025-02-01', valid_to: null, current: true },
      ]);
    });
  },
);

t.test('a tab-separated UTF-8 export with a BOM and Chongqing assistance numbers', async (t) => {
  const civil = await createTestKey(db, 'department-feed', { department: 'civil-affairs' });
  const withX = (() => {
    for (;;) {
      const id = idNumber();
      if (id.endsWith('X')) return id;
    }
  })();
  const other = idNumber();
  const text = [
    '身份证号\t姓名\t救助类别\t村(社区)\t纳入资助时间',
    `\u3000${withX.toLowerCase()}\t\u3000李\u3000四\u3000\t7019\t${V.nanjiang}\t2024.12.01`,
    `${other}\t"王,五"\t7131\t${V.nanjiang}\t20240301`,
    '',
  ].join('\n');
  const res = await postFeed(app, civil, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), {
    query: 'mode=snapshot&period=2025-01',
  });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json().counts, { added: 2, errors: 0 });
  const spells = await db
    .selectFrom('identity.spells')
    .select(['id_number', 'identity_code', 'name', 'valid_from'])
    .where('department', '=', 'civil-affairs')
    .orderBy('identity_code')
    .execute();
  t.same(spells, [
    { id_number: other, identity_code: 'extreme-poverty', name: '王,五', valid_from: '2024-03-01' },
    { id_number: withX, identity_code: 'subsistence-allowance', name: '李\u3000四', valid_from: '2024-12-01' },
  ]);
});

t.test('NDJSON with English keys: lines counted as sent, a number JSON cannot keep refused', async (t) => {
  const office = await createTestKey(db, 'department-feed', { department: 'restructuring-office' });
  const [a, b, c] = [idNumber(), idNumber(), idNumber()];
  const lines = [
    JSON.stringify({
      idNumber: a,
      name: '赵',
      identity: '市属改制企业职工',
      villageCode: V.wufu,
      certifiedOn: '2023-07-01',
    }),
    '',
    JSON.stringify({
      idNumber: b,
      name: '钱',
      identity: 'restructured-enterprise-worker',
      village: '五福村',
      township: '社坛镇',
    }),
    `{"idNumber": ${(c as string).slice(0, 17)}0, "name": "孙", "identity": "市属改制企业职工", "villageCode": "${V.wufu}"}`,
    JSON.stringify({ idNumber: a, name: '赵', identity: '市属改制企业职工', villageCode: V.wufu }),
  ].join('\n');
  const res = await postFeed(app, office, lines, {
    department: 'restructuring-office',
    type: 'application/x-ndjson',
    query: 'mode=snapshot&period=2025-01',
  });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), {
    rows: 4,
    counts: { added: 2, errors: 2, valid: 2 },
    errors: [
      { line: 4, column: 'idNumber', code: 'ID_NUMBER_MANGLED' },
      { line: 5, column: 'idNumber', code: 'DUPLICATE_ROW', message: /line 1/ },
    ],
  });
  t.same(
    await currentList(db, 'restructuring-office'),
    [`${a}:restructured-enterprise-worker@${V.wufu}`, `${b}:restructured-enterprise-worker@${V.wufu}`].sort(),
  );
});

t.test('a disability list names grades: one and two are severe, three and four hold the card', async (t) => {
  const federation = await createTestKey(db, 'department-feed', { department: 'disabled-persons-federation' });
  const [a, b, c] = [idNumber(), idNumber(), idNumber()];
  const res = await postFeed(
    app,
    federation,
    csvOf([
      ['身份证号码', '姓名', '残疾类别', '残疾等级', '村(社区)'],
      [a, '周', '肢体', '一级', V.desheng],
      [b, '吴', '视力', '四级', V.desheng],
      [c, '郑', '听力', '五级', V.desheng],
    ]),
    { department: 'disabled-persons-federation', query: 'mode=snapshot&period=2025-01' },
  );
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), {
    counts: { added: 2, errors: 1 },
    errors: [{ line: 4, column: 'disabilityGrade', code: 'UNKNOWN_IDENTITY' }],
  });
  t.same(
    await currentList(db, 'disabled-persons-federation'),
    [`${a}:severe-disability@${V.desheng}`, `${b}:disability-card@${V.desheng}`].sort(),
  );
});

t.test(
  'villages by name: with or without the committee’s suffix, the township telling apart two of one name',
  async (t) => {
    // A second 平安村 in another township of the county.
    await db
      .insertInto('core.regions')
      .values({
        code: '500230209299',
        name: '平安村村民委员会',
        parent_code: '500230209',
        level: 'village',
        source: 'test',
      } as never)
      .execute();
    const rural = await createTestKey(db, 'department-feed', { department: 'rural-affairs' });
    const people = Array.from({ length: 6 }, () => idNumber());
    const res = await postFeed(
      app,
      rural,
      csvOf([
        ['身份证号码', '姓名', '身份类别', '镇（街）', '村（居）'],
        [people[0] as string, '一', '稳定脱贫人口', '社坛镇', '平安村'],
        [people[1] as string, '二', '稳定脱贫人口', '栗子', '平安村村民委员会'],
        [people[2] as string, '三', '稳定脱贫人口', '', '平安村'],
        [people[3] as string, '四', '稳定脱贫人口', '', '德盛'],
        [people[4] as string, '五', '稳定脱贫人口', '', '社稷坛社区'],
        [people[5] as string, '六', '稳定脱贫人口', '社坛镇', '南江村'],
      ]),
      { department: 'rural-affairs', query: 'mode=snapshot&period=2025-01' },
    );
    t.equal(res.statusCode, 201, res.body);
    t.match(res.json(), {
      counts: { added: 4, errors: 2 },
      errors: [
        { line: 4, column: 'village', code: 'UNKNOWN_REGION', message: /names 2 villages/ },
        { line: 7, column: 'village', code: 'UNKNOWN_REGION', message: /not a village/ },
      ],
    });
    t.same(
      await currentList(db, 'rural-affairs'),
      [
        `${people[0]}:stable-out-of-poverty@${V.pingan}`,
        `${people[1]}:stable-out-of-poverty@500230209299`,
        `${people[3]}:stable-out-of-poverty@${V.desheng}`,
        `${people[4]}:stable-out-of-poverty@${V.shetanJu}`,
      ].sort(),
    );
  },
);
