import t from 'tap';
import {
  createHeaderMatcher,
  findHeader,
  MAX_TITLE_ROWS,
  normaliseHeader,
  parseCsv,
  readCsvTable,
} from '../src/index.js';

// One matcher for every header a clerk may type: the registration, region and target imports all
// recognise the same columns the same way.

const matcher = createHeaderMatcher({
  idNumber: ['身份证号', '身份证号码', 'idNumber'],
  name: ['姓名', 'name'],
  villageCode: ['村(社区)代码', '村代码', 'villageCode'],
  target: ['任务数', 'target'],
});

t.test('normaliseHeader folds what clerks vary', async (t) => {
  const table: Array<[string, string]> = [
    ['村（社区）代码', '村(社区)代码'],
    ['村【社区】代码', '村(社区)代码'],
    ['村[社区]代码', '村(社区)代码'],
    [' 身份证号 ', '身份证号'],
    ['身份\n证号', '身份证号'],
    ['身份\u3000证号', '身份证号'],
    ['\uFEFF身份证号', '身份证号'],
    ['*姓名', '姓名'],
    ['姓名＊', '姓名'],
    ['ID_NUMBER', 'idnumber'],
    ['id-number', 'idnumber'],
    ['ｉｄＮｕｍｂｅｒ', 'idnumber'],
    ['Village Code', 'villagecode'],
  ];
  for (const [cell, normalised] of table) t.equal(normaliseHeader(cell), normaliseHeader(normalised), cell);
});

t.test('a header row: each field at its first column, unknown cells ignored, missing and doubled named', async (t) => {
  const cells = ['序号', '身份证号码 ', '姓 名', '村（社区）代码', '备注', 'NAME', ''];
  t.same(matcher.match(cells, ['idNumber', 'name', 'villageCode', 'target']), {
    columns: { idNumber: 1, name: 2, villageCode: 3 },
    ignored: ['序号', '备注'],
    missing: ['target'],
    duplicated: ['name'],
  });
  t.equal(matcher.fieldOf('任务数(人)'), 'target', 'a unit in brackets at the end is a note');
  t.equal(matcher.fieldOf('任务数（人）'), 'target');
  t.equal(matcher.fieldOf('身份证号(18位)'), 'idNumber');
  t.equal(matcher.fieldOf('村(社区)'), undefined, 'brackets inside a name are part of it');
  t.equal(matcher.fieldOf(''), undefined);
  t.throws(() => createHeaderMatcher({ a: ['代码'], b: ['代 码'] }), /names both a and b/);
});

t.test('the header is found below title rows, merged title cells and blank rows', async (t) => {
  const rows = [
    { line: 1, cells: ['栗子乡2026年城乡居民医保参保登记表'] },
    { line: 2, cells: [] },
    { line: 3, cells: ['填报单位：南江村', '', '填报日期：2026-09-01'] },
    { line: 4, cells: ['基本信息', '', '户籍信息'] },
    { line: 5, cells: ['身份证号', '姓名', '村(社区)代码'] },
    { line: 6, cells: ['500230198001010011', '王', '500230209001'] },
  ];
  const found = findHeader(rows, matcher, ['idNumber', 'name']);
  t.match(found, { index: 4, line: 5, match: { columns: { idNumber: 0, name: 1, villageCode: 2 } } });

  const lacking = findHeader(
    [rows[0], { line: 2, cells: ['身份证号', '村代码'] }, { line: 3, cells: ['1', '2'] }] as typeof rows,
    matcher,
    ['idNumber', 'name'],
  );
  t.match(lacking, { line: 2, match: { missing: ['name'] } }, 'without a full header, the row naming the most');

  const titlesOnly = findHeader([rows[0], rows[2]] as typeof rows, matcher, ['idNumber']);
  t.match(titlesOnly, { line: 1, match: { missing: ['idNumber'] } }, 'else the first non-blank row');
  t.equal(findHeader([{ line: 1, cells: ['', ' '] }], matcher), undefined, 'all blank: no header');

  const tooDeep = [
    ...Array.from({ length: MAX_TITLE_ROWS + 1 }, (_, i) => ({ line: i + 1, cells: [`说明 ${i + 1}`] })),
    { line: MAX_TITLE_ROWS + 2, cells: ['身份证号', '姓名'] },
  ];
  t.match(findHeader(tooDeep, matcher, ['idNumber'])?.line, 1, `no deeper than ${MAX_TITLE_ROWS} title rows`);
});

t.test('parseCsv and readCsvTable find the header the same way', async (t) => {
  const text = [
    '栗子乡任务数,,',
    '',
    '村（社区）代码 , 任务数(人) ,来源',
    '500230209001,120,',
    '500230209200,"1,200",上报',
  ].join('\r\n');
  const aliases = { regionCode: ['村(社区)代码'], target: ['任务数'], source: ['来源'] };
  const parsed = parseCsv(text, aliases, ['regionCode', 'target']);
  t.equal(parsed.headerLine, 3);
  t.same(parsed.missingColumns, []);
  t.same(parsed.rows, [
    { line: 4, values: { regionCode: '500230209001', target: '120', source: '' } },
    { line: 5, values: { regionCode: '500230209200', target: '1,200', source: '上报' } },
  ]);

  const table = readCsvTable(Buffer.from(text), aliases, ['regionCode', 'target']);
  t.same(table.rows, parsed.rows);
  t.same(table.errors, []);

  const missing = readCsvTable(Buffer.from('标题\n村(社区)代码,说明\n1,2\n'), aliases, ['regionCode', 'target']);
  t.same(missing.errors, [
    {
      line: 2,
      column: 'target',
      code: 'MISSING_COLUMN',
      message: 'no column for target; the header may name it 任务数',
    },
  ]);
  t.same(readCsvTable(Buffer.from('村代码,任务数\n'), { regionCode: ['村代码'], target: ['任务数'] }).errors, [
    { line: 1, column: 'file', code: 'NO_ROWS', message: 'the file has no rows' },
  ]);
  t.match(readCsvTable(Buffer.from('村代码,任务数\n1,"2\n'), { regionCode: ['村代码'], target: ['任务数'] }).errors, [
    { column: 'file', code: 'MALFORMED_CSV' },
  ]);
});
