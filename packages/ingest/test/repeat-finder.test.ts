import t from 'tap';
import { RepeatFinder } from '../src/index.js';

t.test('keys seen twice are found among hundreds of thousands, none taken for a repeat wrongly', async (t) => {
  const finder = new RepeatFinder();
  const key = (i: number) => `500230${String(19500101 + i).padStart(8, '0')}${String(i % 1000).padStart(4, '0')}`;
  let flagged = 0;
  for (let i = 0; i < 300_000; i++) if (finder.see(key(i))) flagged++;
  t.equal(flagged, 0, 'distinct keys are not repeats, past several doublings of the table');
  t.equal(finder.see(key(17)), true);
  t.equal(finder.see(key(299_999)), true);
  t.equal(finder.see(key(17)), true, 'a third time is still a repeat');
  t.same([...finder.repeats].sort(), [key(17), key(299_999)].sort());
  t.equal(finder.see(''), false, 'the empty key is a key like any other');
  t.equal(finder.see(''), true);
});
