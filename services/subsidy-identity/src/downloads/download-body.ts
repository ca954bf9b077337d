import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createCsvWriter, createXlsxWriter, type XlsxColumn } from '@rmi/ingest';

// A download is answered as a stream: rows are read from the database a page (or a cursor fetch)
// at a time and written out as they come, in JSON, CSV or XLSX, so a million rows are never held.
// Whatever fails after the first byte has gone can only cut the download short: it is logged.

export type DownloadFormat = 'json' | 'csv' | 'xlsx';

export interface Download {
  contentType: string;
  /** For Content-Disposition; null for JSON (answered inline). */
  fileName: string | null;
  body: Readable;
}

export interface DownloadLog {
  warn(details: object, message: string): void;
}

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

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
 * A JSON answer written as it is read: `text` yields its pieces (see `jsonArray`). The answer's
 * shape is the route's documented schema; only its serialisation is by hand.
 */
export function jsonDownload(text: AsyncIterable<string>, log: DownloadLog): Download {
  const body = Readable.from(
    (async function* () {
      try {
        yield* text;
      } catch (err) {
        log.warn({ err }, 'download cut short');
        throw err;
      }
    })(),
    { objectMode: false },
  );
  return { contentType: 'application/json; charset=utf-8', fileName: null, body };
}

/** `[a,b,…]` of items, in pieces of about 64 KiB. */
export async function* jsonArray<T>(
  items: AsyncIterable<T>,
  map: (item: T) => unknown = (x) => x,
): AsyncGenerator<string> {
  let piece = '[';
  let first = true;
  for await (const item of items) {
    piece += (first ? '' : ',') + JSON.stringify(map(item));
    first = false;
    if (piece.length >= 64 * 1024) {
      yield piece;
      piece = '';
    }
  }
  yield `${piece}]`;
}

/** `"key":` and the JSON of `value`, for an object written in pieces. */
export const jsonMember = (key: string, value: unknown) => `${JSON.stringify(key)}:${JSON.stringify(value)}`;
