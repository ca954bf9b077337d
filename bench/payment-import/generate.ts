// Writes the benchmark's tax export and prints what it holds (payments, reversals, duplicate
// lines) as JSON. Run as a child process, so the memory the generator leaves behind is not
// counted as the service's. Arguments: the file path, the rows, the year; the villages come as
// JSON in BENCH_VILLAGES.
import { writeBenchExport } from '../../services/payment-reconciliation/test/fixtures/tax-export.js';

const [file, rows, year] = process.argv.slice(2);
const villages = JSON.parse(process.env.BENCH_VILLAGES ?? '[]') as string[];
const tally = await writeBenchExport(file as string, { rows: Number(rows), year: Number(year), villages });
process.stdout.write(JSON.stringify(tally));
