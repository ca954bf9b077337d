import type { Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { FileProblem } from './row-errors.js';
import type { UploadFormat } from './staging.js';

/** More bytes than the service's limit for an upload (its `…_MAX_BYTES`). */
export class FileTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`larger than ${maxBytes} bytes`);
    this.name = 'FileTooLarge';
  }
}

/**
 * The bytes of an uploaded file as sent, counted and refused past `maxBytes`, each also fed to
 * `hash` when given (an import keeps its file's SHA-256, a re-post is known by it). A text file
 * (CSV, NDJSON) with NUL bytes in its head is no text at all.
 */
export async function* uploadBytes(
  body: Readable,
  options: { format: UploadFormat; maxBytes: number; hash?: Hash },
): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const data of body) {
    const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data as string);
    if (bytes === 0 && options.format !== 'xlsx' && chunk.subarray(0, 4096).includes(0)) {
      throw new FileProblem(`The file is not text: no ${options.format.toUpperCase()} reader reads it.`, [
        { line: 1, message: 'binary data' },
      ]);
    }
    bytes += chunk.length;
    if (bytes > options.maxBytes) throw new FileTooLarge(options.maxBytes);
    options.hash?.update(chunk);
    yield chunk;
  }
}
