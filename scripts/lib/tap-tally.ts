import { Parser, type Result } from 'tap-parser';

/** What a tap run comes to, counted per file from that file's own test points. */
export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  /** `file: test (reason)` for each skipped or todo point, so a run says what it did not check. */
  skippedNames: string[];
}

/**
 * A TAP parser for `tap --reporter=tap` output that counts into `tally`. Each file is a subtest of
 * the run; its own points (top-level tests and assertions) are what count. A point marked `# SKIP`
 * or `# TODO` is skipped, never passed: a test that could not run did not check anything.
 */
export function createTapTally(): { parser: Parser; tally: Tally } {
  const tally: Tally = { passed: 0, failed: 0, skipped: 0, skippedNames: [] };
  const parser = new Parser();
  parser.on('child', (file: Parser) => {
    let failedInside = 0;
    let pointsInside = 0;
    file.on('assert', (r: Result) => {
      pointsInside++;
      if (r.skip || r.todo) {
        tally.skipped++;
        tally.skippedNames.push(`${file.name}: ${r.name || '(unnamed)'} (${reasonOf(r)})`);
      } else if (r.ok) tally.passed++;
      else {
        tally.failed++;
        failedInside++;
      }
    });
    parser.on('assert', (r: Result) => {
      if (r.name !== file.name) return;
      // A file that crashed before reporting its own failures still counts as one failure.
      if (!r.ok && failedInside === 0) {
        tally.failed++;
        failedInside++;
      } else if (r.skip && pointsInside === 0) {
        // A whole file skipped (`t.plan(0, reason)`) is one skipped point.
        tally.skipped++;
        tally.skippedNames.push(`${file.name} (${reasonOf(r)})`);
      }
    });
  });
  return { parser, tally };
}

function reasonOf(r: Result): string {
  const why = r.skip || r.todo;
  const kind = r.skip ? 'skipped' : 'todo';
  return typeof why === 'string' && why.length > 0 ? `${kind}: ${why}` : kind;
}

/** The closing line: `N passed, M failed`, and `, K skipped` when anything was. */
export function summaryLine(tally: Pick<Tally, 'passed' | 'failed' | 'skipped'>): string {
  return `${tally.passed} passed, ${tally.failed} failed${tally.skipped > 0 ? `, ${tally.skipped} skipped` : ''}`;
}
