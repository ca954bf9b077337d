import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createCsvWriter } from '@rmi/ingest';

// A download answered as a stream: rows are read from the database a page at a time and written
// out as they come (CSV in UTF-8 with BOM, every cell neutralised by @rmi/ingest's writer), so a
// million rows are never held. Whatever fails after the first byte has gone can only cut the
// download short: it is logged.

export interface CsvDownload {
  contentType: string;
  fileName: string;
  body: Readable;
}

const PIECE_BYTES = 64 * 1024;

/** Small writes gathered into pieces of about 64 KiB: the CSV writer emits a chunk per row. */
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

export function csvDownload(
  table: { fileName: string; header: readonly string[]; rows: AsyncIterable<readonly unknown[]> },
  log: { warn(details: object, message: string): void },
): CsvDownload {
  const csv = createCsvWriter({ columns: table.header });
  const body = coalesced();
  pipeline(Readable.from(table.rows), csv, body).catch((err) => {
    log.warn({ err }, 'download cut short');
    body.destroy(err);
  });
  return { contentType: 'text/csv; charset=utf-8', fileName: table.fileName, body };
}
