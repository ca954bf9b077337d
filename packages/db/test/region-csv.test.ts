import { CsvSyntaxError, decodeText, parseCsv } from '@rmi/ingest';
import iconv from 'iconv-lite';
import t from 'tap';
import { parseRegionCsv } from '../src/seed/region-csv.js';

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

t.test('decodeText: UTF-8 with and without BOM, GB18030 otherwise', async (t) => {
  t.same(decodeText(Buffer.concat([BOM, utf8('代码,名称')])), { text: '代码,名称', encoding: 'utf-8' });
  t.same(decodeText(utf8('代码,名称')), { text: '代码,名称', encoding: 'utf-8' });
  // 中文 as GBK bytes, written out rather than produced by the decoder under test.
  t.same(decodeText(Buffer.from([0xd6, 0xd0, 0xce, 0xc4])), { text: '中文', encoding: 'gb18030' });
  // Four-byte GB18030 sequences cover what GBK lacks, such as CJK extension B.
  const rare = '𠀀栗子乡';
  const encoded = iconv.encode(rare, 'gb18030');
  t.equal(encoded.length, 4 + 6);
  t.same(decodeText(encoded), { text: rare, encoding: 'gb18030' });
  t.same(decodeText(Buffer.alloc(0)), { text: '', encoding: 'utf-8' });
});

t.test('parseCsv: aliases, physical line numbers, skipped blank rows', async (t) => {
  const text = ['', ' Code ,REMARK,名称', '1,"two', 'lines",a', '', ',,', '2,,b', '3'].join('\r\n');
  const parsed = parseCsv(text, { code: ['code'], name: ['name', '名称'], parent: ['parent'] });
  t.equal(parsed.headerLine, 2);
  t.same(parsed.missingColumns, ['parent']);
  t.same(parsed.rows, [
    { line: 3, values: { code: '1', name: 'a', parent: '' } },
    { line: 7, values: { code: '2', name: 'b', parent: '' } },
    { line: 8, values: { code: '3', name: '', parent: '' } },
  ]);
  t.same(parseCsv('\n\n', { code: ['code'] }), { rows: [], missingColumns: ['code'], headerLine: 0 });
  t.throws(() => parseCsv('code\n1\n"open', { code: ['code'] }), CsvSyntaxError);
});

t.test('UTF-8 with BOM, English header, CRLF', async (t) => {
  const file = Buffer.concat([
    BOM,
    utf8(
      'code,name,parent_code\r\n500230,丰都县,5002\r\n500230209,栗子乡,500230\r\n500230209200,南江村村民委员会,500230209\r\n',
    ),
  ]);
  const parsed = parseRegionCsv(file);
  t.equal(parsed.encoding, 'utf-8');
  t.same(parsed.errors, []);
  t.same(parsed.rows, [
    { line: 2, code: '500230', name: '丰都县', parent_code: '5002' },
    { line: 3, code: '500230209', name: '栗子乡', parent_code: '500230' },
    { line: 4, code: '500230209200', name: '南江村村民委员会', parent_code: '500230209' },
  ]);
});

t.test('GB18030 file with Chinese headers, trimmed and in any order', async (t) => {
  const text = ' 上级代码 ,区划名称,备注, 区划代码\n14,吕梁市,,1411\n1411,孝义市,县级市,141181\n';
  const parsed = parseRegionCsv(iconv.encode(text, 'gb18030'));
  t.equal(parsed.encoding, 'gb18030');
  t.same(parsed.errors, []);
  t.same(parsed.rows, [
    { line: 2, code: '1411', name: '吕梁市', parent_code: '14' },
    { line: 3, code: '141181', name: '孝义市', parent_code: '1411' },
  ]);
});

t.test('every bad row is reported with its line, none dropped', async (t) => {
  const lines = [
    'CODE,Name,Parent,remark', // 1
    '50,重庆市,,', // 2 fine
    '5,短,50,', // 3 invalid_code
    '1.41181E+11,科学计数,141181001,', // 4 invalid_code with the spreadsheet hint
    '500230999,,500230,', // 5 missing_name
    '500230998,无上级,,', // 6 missing_parent
    '500230997,前缀不对,500231,', // 7 parent_mismatch (not a prefix)
    '500230996001,跳级,500230,', // 8 parent_mismatch (prefix of the wrong length)
    '51,四川省,5,', // 9 unexpected_parent
    '', // 10 blank, still counted
    '500230209,栗子乡,500230,"两行', // 11 fine, its remark spans two lines
    '备注"', // 12
    '500230209,栗子乡重复,500230,', // 13 duplicate_code
    '"5002301","多行', // 14 invalid_code, reported at the line it starts on
    '名称",5002,', // 15
    '500230102,社坛镇,500230,', // 16 fine
  ];
  const parsed = parseRegionCsv(utf8(lines.join('\n')));
  const got = parsed.errors.map((e) => [e.line, e.field, e.code]);
  t.same(got, [
    [3, 'code', 'invalid_code'],
    [4, 'code', 'invalid_code'],
    [5, 'name', 'missing_name'],
    [6, 'parent_code', 'missing_parent'],
    [7, 'parent_code', 'parent_mismatch'],
    [8, 'parent_code', 'parent_mismatch'],
    [9, 'parent_code', 'unexpected_parent'],
    [13, 'code', 'duplicate_code'],
    [14, 'code', 'invalid_code'],
    [14, 'name', 'invalid_name'],
  ]);
  t.match(parsed.errors[1]?.message, /format the column as text/);
  t.match(parsed.errors[7]?.message, /line 11/);
  t.same(
    parsed.rows.map((r) => [r.line, r.code]),
    [
      [2, '50'],
      [11, '500230209'],
      [16, '500230102'],
    ],
    'only rows without complaints are kept',
  );
});

t.test('file-level problems', async (t) => {
  const missing = parseRegionCsv(utf8('\n编码,说明\n500230,丰都县\n'));
  t.same(
    missing.errors.map((e) => [e.line, e.field, e.code]),
    [
      [2, 'name', 'missing_column'],
      [2, 'parent_code', 'missing_column'],
    ],
  );
  t.same(missing.rows, []);

  const empty = parseRegionCsv(Buffer.alloc(0));
  t.same(
    empty.errors.map((e) => e.code),
    ['missing_column', 'missing_column', 'missing_column'],
  );

  const headerOnly = parseRegionCsv(utf8('代码,名称,上级编码\n\n'));
  t.same(
    headerOnly.errors.map((e) => [e.line, e.code]),
    [[1, 'no_rows']],
  );

  const malformed = parseRegionCsv(utf8('code,name,parent_code\n50,重庆市,\n5002,"县,50\n'));
  t.equal(malformed.errors.length, 1);
  t.match(malformed.errors[0], { field: 'file', code: 'malformed_csv' });
  t.ok((malformed.errors[0]?.line ?? 0) >= 3, 'points at the unclosed quote or after it');
  t.same(malformed.rows, []);
});

t.test('a county’s own sheet: title rows above the header, full-width brackets and spaces in it', async (t) => {
  const text = [
    '丰都县村（社区）区划表,,',
    '（2026年9月）,,',
    '区划代码,区划 名称,上级区划代码（12位）',
    '500230209201,新村村民委员会,500230209',
  ].join('\r\n');
  const parsed = parseRegionCsv(iconv.encode(text, 'gb18030'));
  t.same(parsed.errors, []);
  t.same(parsed.rows, [{ line: 4, code: '500230209201', name: '新村村民委员会', parent_code: '500230209' }]);
});
