import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createCsvWriter, createXlsxWriter, type XlsxColumn } from '@rmi/ingest';

// A download is answered as it is read: rows come from the database a page at a time and are
// written out as they come, so a county's million items are never held. Whatever fails after the
// first byte has gone can only cut the download short: it is logged.

export interface Download {
  contentType: string;
  /** For Content-Disposition. */
  fileName: string;
  body: Readable;
}

export interface DownloadLog {
  warn(details: object, message: string): void;
}

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PIECE_BYTES = 64 * 1024;

/** The CSV writer emits a chunk per row; gathered into pieces of about 64 KiB for the wire. */
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

/** A table as CSV (UTF-8 with BOM, every cell neutralised by the writer) or XLSX, streamed. */
export function tableDownload(
  format: 'csv' | 'xlsx',
  table: { fileName: string; sheetName: string; columns: readonly XlsxColumn[] },
  rows: AsyncIterable<readonly unknown[]>,
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

/**
 * Rows read a page at a time in key order, each page a short query on the pool that starts after
 * the last key of the one before, so a download holds no connection between pages.
 */
export async function* keysetPages<R, K>(
  page: (after: K | null, limit: number) => Promise<R[]>,
  keyOf: (row: R) => K,
  limit = 2000,
): AsyncGenerator<R> {
  let after: K | null = null;
  for (;;) {
    const rows = await page(after, limit);
    yield* rows;
    const last = rows[rows.length - 1];
    if (rows.length < limit || last === undefined) return;
    after = keyOf(last);
  }
}
