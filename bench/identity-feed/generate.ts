// Writes the two monthly lists of the benchmark and prints what the second changed, as JSON. Run
// as a child process, so the memory the generator leaves behind is not counted as the service's.
// Arguments: the two file paths, the rows, the seed; the villages come as JSON in BENCH_VILLAGES.
import { writeCsvFile } from '../../services/subsidy-identity/test/fixtures/feed-csv.js';
import {
  type SnapshotTally,
  snapshotRows,
  type Turnover,
  type Village,
} from '../../services/subsidy-identity/test/fixtures/feed-rows.js';

/** Next month: 2% gone, as many new, 1% moved to another village: 5% of the rows changed. */
const TURNOVER: Turnover = { removed: 0.02, moved: 0.01 };

const [first, second, rows, seed] = process.argv.slice(2);
const villages = JSON.parse(process.env.BENCH_VILLAGES ?? '[]') as Village[];
const options = { seed: Number(seed), count: Number(rows), villages };
const tally: SnapshotTally = { kept: 0, moved: 0, removed: 0, added: 0 };
await writeCsvFile(first as string, snapshotRows(options));
await writeCsvFile(second as string, snapshotRows({ ...options, turnover: TURNOVER, tally }));
process.stdout.write(JSON.stringify(tally));
