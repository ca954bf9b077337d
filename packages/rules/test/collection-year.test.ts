import t from 'tap';
import { BUILT_IN_POLICIES, collectionYear } from '../src/index.js';

// The insurance year being collected on a day: the next year once its policy's concentrated
// period has opened (cq-2025 from 2024-09-14, 003_01f4ef08c34ea7cb.txt#三), else the day's year.

const LIZI_VILLAGE = '500230209200';

t.test('a region collects the next year from the day its concentrated period opens', async (t) => {
  t.equal(collectionYear(BUILT_IN_POLICIES, LIZI_VILLAGE, '2024-09-13'), 2024, 'the day before cq-2025 opens');
  t.equal(collectionYear(BUILT_IN_POLICIES, LIZI_VILLAGE, '2024-09-14'), 2025, 'the day cq-2025 opens');
  t.equal(collectionYear(BUILT_IN_POLICIES, LIZI_VILLAGE, '2024-12-31'), 2025);
  t.equal(
    collectionYear(BUILT_IN_POLICIES, LIZI_VILLAGE, '2025-03-01'),
    2025,
    'late payments run into the year itself',
  );
  t.equal(collectionYear(BUILT_IN_POLICIES, LIZI_VILLAGE, '2025-10-01'), 2025, 'no 2026 policy: the calendar year');
});

t.test('each region follows its own policy', async (t) => {
  // Xiaoyi's 2024 collection opened 2023-09-01 (004_03b4a5a3926dacf5.txt#4), Chongqing's 2023-11-14.
  t.equal(collectionYear(BUILT_IN_POLICIES, '141181100', '2023-10-01'), 2024, 'Xiaoyi has opened 2024');
  t.equal(collectionYear(BUILT_IN_POLICIES, '500233001', '2023-10-01'), 2023, 'Wuyang has not yet');
  t.equal(
    collectionYear(BUILT_IN_POLICIES, '510100', '2024-10-01'),
    2024,
    'a region without policies: the calendar year',
  );
});

t.test('without a region, any policy of the next year that has opened counts', async (t) => {
  t.equal(collectionYear(BUILT_IN_POLICIES, null, '2023-10-01'), 2024, 'Xiaoyi 2024 opened on 2023-09-01');
  t.equal(collectionYear(BUILT_IN_POLICIES, null, '2023-08-31'), 2023);
});
