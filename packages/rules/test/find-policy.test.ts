import t from 'tap';
import { BUILT_IN_POLICIES, findPolicy, quoteFrom } from '../src/index.js';

t.test('walks a region code up 12 → 9 → 6 → 4 → 2 digits to the nearest covered prefix', async (t) => {
  const rows: Array<[string, number, string | undefined, string]> = [
    ['500230209', 2025, 'cq-2025', '栗子乡, Fengdu (township, 9 digits)'],
    ['500230209201', 2025, 'cq-2025', 'a village of 栗子乡 (12 digits)'],
    ['500233', 2024, 'cq-2024', '忠县 (county)'],
    ['500233001', 2024, 'cq-2024', '乌杨街道'],
    ['500230', 2023, 'cq-2023', '丰都县'],
    ['500000', 2025, 'cq-2025', 'Chongqing itself'],
    ['5002', 2025, 'cq-2025', 'a 4-digit prefix'],
    ['141181', 2024, 'xiaoyi-2024', '孝义市'],
    ['141181100', 2024, 'xiaoyi-2024', 'a town of 孝义市'],
    ['141182', 2024, undefined, '汾阳市: no document'],
    ['141181', 2025, undefined, 'Xiaoyi 2025: no document'],
    ['500230209', 2022, undefined, 'Chongqing 2022: no document'],
    ['510100', 2025, undefined, 'Chengdu: no document'],
    ['50023x', 2025, undefined, 'not digits'],
  ];
  for (const [code, year, id, what] of rows) t.equal(findPolicy(BUILT_IN_POLICIES, code, year)?.id, id, `${what}`);
});

t.test('quoteFrom answers POLICY_NOT_FOUND where no document covers the region and year', async (t) => {
  const r = quoteFrom(BUILT_IN_POLICIES, { regionCode: '141182', year: 2024, paidOn: '2023-10-10' });
  t.same(r.ok ? null : { status: r.error.status, code: r.error.code }, { status: 404, code: 'POLICY_NOT_FOUND' });
});

t.test('one built-in document per (region, year)', async (t) => {
  const keys = BUILT_IN_POLICIES.flatMap((p) => p.regionCodes.map((c) => `${c}/${p.year}`));
  t.equal(new Set(keys).size, keys.length, 'no two documents claim the same region and year');
  t.same(
    BUILT_IN_POLICIES.map((p) => p.id),
    ['cq-2023', 'cq-2024', 'cq-2025', 'xiaoyi-2024'],
  );
});
