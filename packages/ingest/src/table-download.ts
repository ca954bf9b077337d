import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createCsvWriter } from './csv-writer.js';
import { createXlsxWriter, type XlsxColumn } from './xlsx-writer.js';

// A download is answered as a stream: rows are read from the database a page (or a cursor fetch)
// at a time and written out as they come, so a million rows are never held. Whatever fails after
// the first byte has gone can only cut the download short: it is logged.

export interface Download {
  contentType: string;
  /** For Content-Disposition; null for JSON (answered inline). */
  fileName: string | null;
  body: Readable;
}

export interface DownloadLog {
  warn(details: object, message: string): void;
}

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const PIECE_BYTES = 64 * 1024;

/**
 * Small writes gathered into pieces of about 64 KiB: the CSV writer emits a chunk per row, and a
 * response writes each chunk it is given as a chunk of its own on the wire.
 */
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

/** A table (header and rows of cells) as CSV (UTF-8 with BOM, every cell neutralised) or XLSX. */
export function tableDownload(
  format: 'csv' | 'xlsx',
  table: { fileName: string; sheetName: string; columns: readonly XlsxColumn[] },
  rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>,
  log: DownloadLog,
): Download & { fileName: string } {
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
  return { contentType: XLSX_CONTENT_TYPE, fileName: `${table.fileName}.xlsx`, body };
}

/**
 * Rows of a query read a page at a time in key order: each page a short query on the request
 * pool that starts after the last key of the one before (an index serves it), so a download
 * holds no connection between pages and no more than a page in memory.
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
