import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InflateBudget, type XlsxLimits, XlsxTooLarge, XlsxUnreadable } from './xlsx-limits.js';
import { readSharedStrings } from './xlsx-shared-strings.js';
import { readSheetRows, type XlsxRow } from './xlsx-sheet.js';
import { readDateStyles } from './xlsx-styles.js';
import { readWorkbookLayout } from './xlsx-workbook.js';
import { openZipArchive } from './zip-archive.js';

/**
 * The rows of an XLSX upload's first worksheet, within `limits`.
 *
 * The upload is spooled to a temp file first: a zip's directory is at its end, and reading parts
 * through it (rather than streaming the archive in its stored order) lets the shared strings be
 * read before the sheet whatever the order, so nothing is ever parked on disk unbounded. The file
 * lives in a directory only this process's user can open (uploads carry ID numbers) and is removed
 * however the reading ends; iterate with `for await` so an early exit removes it too.
 *
 * Past a bound it throws XlsxTooLarge, for a file that is not a readable workbook XlsxUnreadable;
 * an error of `upload` itself (a size limit the caller enforces, a dropped connection) comes out
 * as it is.
 */
export async function* readXlsxRows(upload: Readable, limits: XlsxLimits): AsyncGenerator<XlsxRow> {
  const dir = await mkdtemp(join(tmpdir(), 'rmi-xlsx-'));
  try {
    const path = join(dir, 'upload.xlsx');
    await pipeline(upload, createWriteStream(path, { mode: 0o600 }));
    const zip = await openZipArchive(path, limits.maxEntries);
    try {
      const budget = new InflateBudget(limits.maxInflatedBytes);
      const layout = await readWorkbookLayout(zip, budget);
      const isDateStyle = await readDateStyles(zip, layout.styles, budget);
      const sharedStrings = await readSharedStrings(zip, layout.sharedStrings, budget, limits);
      yield* readSheetRows(
        zip,
        layout.sheet,
        { sharedStrings, isDateStyle, date1904: layout.date1904 },
        budget,
        limits,
      );
    } catch (err) {
      if (err instanceof XlsxTooLarge || err instanceof XlsxUnreadable) throw err;
      // zlib and yauzl failures: data that does not inflate, or inflates to another size than declared.
      throw new XlsxUnreadable('the workbook is damaged', undefined, { cause: err });
    } finally {
      zip.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
