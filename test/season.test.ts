// A small county season (`pnpm season` at 1,200 persons and 3 weeks): the four services as real
// processes on one database, everything sent over HTTP, and every figure of the county's table
// read back from the services and held against what was sent.
import { createTestDatabase } from '@rmi/db';
import t from 'tap';
import { runSeason } from '../scripts/lib/season/run-season.js';

const tdb = await createTestDatabase();
t.teardown(() => tdb.destroy());

t.test('a season of 1,200 persons: every figure the county reads holds', async (t) => {
  const lines: string[] = [];
  const result = await runSeason({
    databaseUrl: tdb.url,
    prepared: true,
    persons: 1_200,
    weeks: 3,
    seed: 7,
    log: (line) => lines.push(line),
  });
  t.same(result.mismatches.slice(0, 20), [], 'no figure differs from what the season sent');
  t.ok(result.ok);
  t.same(
    result.rows.map((r) => r.name),
    ['社坛镇', '栗子乡'],
    'a row for every township of 丰都县 with villages loaded',
  );
  const paid = result.rows.reduce((a, r) => a + (r.paid.got ?? 0), 0);
  const target = result.rows.reduce((a, r) => a + (r.target.got ?? 0), 0);
  t.ok(paid > 800 && paid < target, `paid ${paid} of target ${target}: most, not all`);
  t.ok((result.notes.heldBatches ?? 0) >= 1, 'a truncated department list was held');
  t.ok((result.notes.rejectedRows ?? 0) >= 2, 'bad registration rows came back by line');
  t.ok((result.notes.reversals ?? 0) >= 1, 'the tax export carried 冲正 rows');
  t.ok((result.notes.duplicateRows ?? 0) >= 1, 'and repeated lines');
  const channels = new Set(result.rows.flatMap((r) => [...r.channels.keys()]));
  for (const c of ['tax-window', 'cash', 'assistance', 'wechat']) t.ok(channels.has(c), `money arrived by ${c}`);
  const assisted = result.rows.flatMap((r) => [...r.assistance.values()]).reduce((a, g) => a + (g.fen.got ?? 0), 0);
  t.ok(assisted > 0, 'assistance shows per identity');
  t.match(result.table, /乡镇\s+任务数\s+已参保\s+已缴费\s+完成率/, 'the table has the county’s headers');
  t.match(result.table, /合计/);
});
