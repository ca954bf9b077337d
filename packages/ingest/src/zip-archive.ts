import yauzl from 'yauzl';
import { type InflateBudget, XlsxTooLarge, XlsxUnreadable } from './xlsx-limits.js';

export interface ZipArchive {
  /** The entry of a part name; OPC compares part names without regard to ASCII case. */
  entry(name: string): yauzl.Entry | undefined;
  /**
   * The entry's uncompressed bytes. Its declared size is charged to the budget before a byte is
   * inflated; yauzl (validateEntrySizes) fails the stream should the data inflate to more.
   */
  read(entry: yauzl.Entry, budget: InflateBudget): AsyncIterable<Buffer>;
  close(): void;
}

/**
 * Opens a zip file through its central directory (random access: nothing is inflated to find a
 * part, unlike a streaming reader). More than `maxEntries` entries is refused from the count in the
 * end-of-central-directory record, before any entry is read.
 */
export async function openZipArchive(path: string, maxEntries: number): Promise<ZipArchive> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: true,
      validateEntrySizes: true,
    });
  } catch (err) {
    throw new XlsxUnreadable('the file is not a zip archive, as an XLSX workbook is', undefined, { cause: err });
  }
  try {
    if (zip.entryCount > maxEntries) {
      throw new XlsxTooLarge('maxEntries', maxEntries, `the archive has ${zip.entryCount} entries`);
    }
    const entries = new Map<string, yauzl.Entry>();
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName.toLowerCase();
      // Two entries of one name are read differently by different readers; a workbook has none.
      if (entries.has(name)) throw new XlsxUnreadable(`the archive holds ${entry.fileName} twice`);
      entries.set(name, entry);
    }
    return {
      entry: (name) => entries.get(name.toLowerCase()),
      async *read(entry, budget) {
        budget.spend(entry.uncompressedSize, entry.fileName);
        const stream = await zip.openReadStreamPromise(entry);
        try {
          for await (const chunk of stream) yield chunk as Buffer;
        } finally {
          stream.destroy();
        }
      },
      close: () => zip.close(),
    };
  } catch (err) {
    zip.close();
    if (err instanceof XlsxTooLarge || err instanceof XlsxUnreadable) throw err;
    throw new XlsxUnreadable('the zip archive is damaged', undefined, { cause: err });
  }
}
