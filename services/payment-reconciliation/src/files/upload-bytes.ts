import type { Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { FileProblem, type UploadFormat } from '@rmi/ingest';

/** More bytes than IMPORT_MAX_BYTES. */
export class FileTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`larger than ${maxBytes} bytes`);
    this.name = 'FileTooLarge';
  }
}

/**
 * The bytes of an export as sent, counted and refused past `maxBytes`, each also fed to `hash`
 * (the import keeps the file's SHA-256). A "CSV" with NUL bytes in its head is no text at all.
 */
export async function* uploadBytes(
  body: Readable,
  options: { format: UploadFormat; maxBytes: number; hash?: Hash },
): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const data of body) {
    const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data as string);
    if (bytes === 0 && options.format !== 'xlsx' && chunk.subarray(0, 4096).includes(0)) {
      throw new FileProblem('The file is not text: no CSV reads it.', [{ line: 1, message: 'binary data' }]);
    }
    bytes += chunk.length;
    if (bytes > options.maxBytes) throw new FileTooLarge(options.maxBytes);
    options.hash?.update(chunk);
    yield chunk;
  }
}
