import t from 'tap';
import {
  addDays,
  addMonths,
  daysBetween,
  firstOfNextMonth,
  isCivilDate,
  percentOfFenDown,
  percentOfFenHalfUp,
  yuanToFen,
} from '../src/index.js';

t.test('civil-date arithmetic (contracts/quote.md date conventions)', async (t) => {
  const rows: Array<[string, string, string]> = [
    [addDays('2024-02-28', 1), '2024-02-29', 'leap day exists in 2024'],
    [addDays('2025-02-28', 1), '2025-03-01', 'and not in 2025'],
    [addDays('2024-12-31', 1), '2025-01-01', 'across the year'],
    [addDays('2024-03-01', 90), '2024-05-30', '90 days: paidOn + 90'],
    [addMonths('2025-01-31', 1), '2025-02-28', 'N months: month end when shorter'],
    [addMonths('2024-01-31', 1), '2024-02-29', 'N months: leap February'],
    [addMonths('2024-11-30', 3), '2025-02-28', 'N months across the year'],
    [addMonths('2025-03-10', 3), '2025-06-10', 'N months: same day'],
    [firstOfNextMonth('2024-02-29'), '2024-03-01', '1st of the next month'],
    [firstOfNextMonth('2024-12-15'), '2025-01-01', '1st of the next month in January'],
  ];
  for (const [got, want, what] of rows) t.equal(got, want, what);
  t.equal(daysBetween('2024-02-29', '2024-03-01'), 1, 'days between');
  t.equal(daysBetween('2025-01-01', '2024-12-31'), -1, 'negative when earlier');
  t.same(
    ['2024-02-29', '2023-02-29', '2024-13-01', '2024-1-01', ''].map(isCivilDate),
    [true, false, false, false, false],
    'only real YYYY-MM-DD dates',
  );
});

t.test('money stays in integer fen', async (t) => {
  t.equal(yuanToFen(17833), 1783300, 'yuan to fen');
  t.equal(yuanToFen(9398.5), 939850, 'half yuan');
  t.throws(() => yuanToFen(0.001), 'a fraction of a fen is refused');
  t.equal(percentOfFenDown(1879700, 50), 939850, '003#七: half of 18,797 yuan is exact in fen');
  t.equal(percentOfFenDown(20216700, 60), 12130020, 'exact');
  t.equal(percentOfFenDown(91060150, 65), 59189097, 'a fraction of a fen is rounded down for fund shares');
  t.equal(percentOfFenHalfUp(35000, 90), 31500, '002#二(四)1: 90% of 350 = 315');
  t.equal(percentOfFenHalfUp(33333, 50), 16667, 'half up for a printed percentage');
});
