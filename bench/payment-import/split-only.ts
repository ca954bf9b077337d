// Times the JS side of staging alone (the record splitter with the payment facts), no database:
// node --conditions=rmi-source --import tsx bench/payment-import/split-only.ts <file>
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RecordSplitter, RepeatFinder } from '@rmi/ingest';
import { PAYMENT_COLUMNS, PAYMENT_HEADER } from '../../services/payment-reconciliation/src/imports/import-columns.js';
import { rowFacts } from '../../services/payment-reconciliation/src/imports/import-row-facts.js';
import { TAX_HEADER } from '../../services/payment-reconciliation/test/fixtures/tax-export.js';

const file = process.argv[2] as string;
const match = PAYMENT_HEADER.match([...TAX_HEADER]);
const columns = match.columns;
for (let round = 0; round < 3; round++) {
  const derive = rowFacts({
    source: 'tax',
    year: 2025,
    today: '2025-06-01',
    columns,
    headerOf: (f) => PAYMENT_COLUMNS[f][0],
    channel: null,
    channels: new Map([['tax-window', 'tax-window']]),
    repeats: new RepeatFinder(),
  });
  const splitter = new RecordSplitter({ encoding: 'gb18030', headerLine: 1, columns: TAX_HEADER.length, derive });
  let bytes = 0;
  const t0 = performance.now();
  await pipeline(
    createReadStream(file, { highWaterMark: 1 << 16 }),
    splitter,
    new Writable({
      write(chunk, _e, cb) {
        bytes += chunk.length;
        cb();
      },
    }),
  );
  console.log(`${splitter.records} records, ${bytes} bytes out, ${(performance.now() - t0).toFixed(0)} ms`);
}
