import t from 'tap';
import { isIsoWeek, isoWeekOf, previousWeek, weekBounds } from '../src/index.js';

t.test('ISO weeks as weekly reports name them', async (t) => {
  t.equal(isoWeekOf('2024-11-18'), '2024-W47', 'a Monday');
  t.equal(isoWeekOf('2024-11-24'), '2024-W47', 'its Sunday');
  t.equal(isoWeekOf('2024-12-30'), '2025-W01', 'a week belongs to the year of its Thursday');
  t.equal(isoWeekOf('2021-01-03'), '2020-W53', 'a year with 53 weeks');
  t.same(weekBounds('2024-W47'), { monday: '2024-11-18', sunday: '2024-11-24' });
  t.same(weekBounds('2025-W01'), { monday: '2024-12-30', sunday: '2025-01-05' });
});

t.test('weeks that do not exist are not weeks', async (t) => {
  for (const w of ['2024-W53', '2024-W00', '2024-47', '2024-W5', 'W47', '']) t.notOk(isIsoWeek(w), w);
  t.ok(isIsoWeek('2020-W53'));
});

t.test('the week before', async (t) => {
  t.equal(previousWeek('2025-W01'), '2024-W52');
  t.equal(previousWeek('2024-W47'), '2024-W46');
  t.equal(previousWeek('nonsense'), undefined);
});
