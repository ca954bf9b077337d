import { Readable } from 'node:stream';
import type { Download, DownloadLog } from '@rmi/ingest';

// A download is answered as a stream: rows are read from the database a page (or a cursor fetch)
// at a time and written out as they come, in JSON, CSV or XLSX (@rmi/ingest's `tableDownload`),
// so a million rows are never held. Whatever fails after the first byte has gone can only cut the
// download short: it is logged.

export type { Download, DownloadLog } from '@rmi/ingest';
export { tableDownload } from '@rmi/ingest';

export type DownloadFormat = 'json' | 'csv' | 'xlsx';

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
