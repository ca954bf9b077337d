import { spawn } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import { createTapTally, summaryLine, type Tally } from '../scripts/lib/tap-tally.js';

// `pnpm test` and `.ci/run` end with `N passed, M failed, K skipped`: a test that could not run
// is counted as skipped, never as passed, and named on a `skipped:` line.

const root = path.resolve(import.meta.dirname, '..');

function tallyOf(tap: string): Tally {
  const { parser, tally } = createTapTally();
  parser.end(tap);
  return tally;
}

t.test('a synthetic run: passes, a failure, skips, a todo, a crashed file, a skipped file', async (t) => {
  const tally = tallyOf(
    [
      'TAP version 14',
      '# Subtest: test/a.test.ts',
      '    # Subtest: renders',
      '        ok 1 - inner assertion one',
      '        ok 2 - inner assertion two',
      '        1..2',
      '    ok 1 - renders # time=12ms',
      '    ok 2 - in a browser # SKIP no chromium: apt-get install chromium',
      '    ok 3 - later # TODO not written',
      '    not ok 4 - refuses',
      '    1..4',
      'not ok 1 - test/a.test.ts # time=40ms',
      '# Subtest: test/crashed.test.ts',
      '    1..0',
      'not ok 2 - test/crashed.test.ts # time=5ms',
      '# Subtest: test/root-only.test.ts',
      '    1..0 # SKIP needs root',
      'ok 3 - test/root-only.test.ts # SKIP needs root',
      '1..3',
      '',
    ].join('\n'),
  );
  t.same(
    { passed: tally.passed, failed: tally.failed, skipped: tally.skipped },
    { passed: 1, failed: 2, skipped: 3 },
    "a file's own points count; the crashed file is one failure; skips and todos are never passes",
  );
  t.same(tally.skippedNames, [
    'test/a.test.ts: in a browser (skipped: no chromium: apt-get install chromium)',
    'test/a.test.ts: later (todo: not written)',
    'test/root-only.test.ts (skipped: needs root)',
  ]);
  t.equal(summaryLine(tally), '1 passed, 2 failed, 3 skipped');
  t.equal(summaryLine({ passed: 4, failed: 0, skipped: 0 }), '4 passed, 0 failed', 'no skip, no skip clause');
});

t.test('the real tap runner on a fixture file: its skip and todo are counted as skipped', async (t) => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TAP')));
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs'),
      '--reporter=tap',
      'test/fixtures/tap-accounting.fixture.ts',
    ],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const { parser, tally } = createTapTally();
  child.stdout.pipe(parser);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 0, 'a run with skips and no failure succeeds');
  t.equal(summaryLine(tally), '1 passed, 0 failed, 2 skipped');
  t.same(tally.skippedNames, [
    'test/fixtures/tap-accounting.fixture.ts: cannot run here (skipped: needs what this machine lacks)',
    'test/fixtures/tap-accounting.fixture.ts: not written yet (todo: later)',
  ]);
});
