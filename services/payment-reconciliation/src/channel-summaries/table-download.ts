import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createCsvWriter, createXlsxWriter, type XlsxColumn } from '@rmi/ingest';

// A table written out as it is produced, in CSV (UTF-8 with BOM, every cell neutralised against
// formulas) or XLSX. Whatever fails after the first byte has gone can only cut the file short: it
// is logged.

export interface Download {
  contentType: string;
  fileName: string;
  body: Readable;
}

export interface DownloadLog {
  warn(details: object, message: string): void;
}

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PIECE_BYTES = 64 * 1024;

/** The CSV writer emits a chunk per row; gathered into ~64 KiB pieces, the response writes fewer. */
function coalesced(): Transform {
  let parts: Buffer[] = [];
  let length = 0;
  const take = () => {
    const piece = Buffer.concat(parts, length);
    parts = [];
    length = 0;
    return piece;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      parts.push(chunk);
      length += chunk.length;
      done(null, length >= PIECE_BYTES ? take() : undefined);
    },
    flush(done) {
      done(null, length > 0 ? take() : undefined);
    },
  });
}

export function tableDownload(
  format: 'csv' | 'xlsx',
  table: { fileName: string; sheetName: string; columns: readonly XlsxColumn[] },
  rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>,
  log: DownloadLog,
): Download {
  if (format === 'csv') {
    const csv = createCsvWriter({ columns: table.columns.map((c) => c.header) });
    const body = coalesced();
    pipeline(Readable.from(rows), csv, body).catch((err) => {
      log.warn({ err }, 'download cut short');
      body.destroy(err);
    });
    return { contentType: 'text/csv; charset=utf-8', fileName: `${table.fileName}.csv`, body };
  }
  const body = new PassThrough();
  const writer = createXlsxWriter(body, { sheetName: table.sheetName, columns: table.columns });
  (async () => {
    for await (const cells of rows) await writer.addRow(cells);
    await writer.finish();
  })().catch((err) => {
    log.warn({ err }, 'download cut short');
    body.destroy(err);
  });
  return { contentType: XLSX_TYPE, fileName: `${table.fileName}.xlsx`, body };
}
