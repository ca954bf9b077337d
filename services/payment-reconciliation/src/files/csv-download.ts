import { type Download, type DownloadLog, tableDownload } from '@rmi/ingest';

/** A table named `….csv` (a header and rows of cells) as a CSV download: UTF-8 with BOM, streamed. */
export function csvDownload(
  table: { fileName: string; header: readonly string[]; rows: AsyncIterable<readonly unknown[]> },
  log: DownloadLog,
): Download {
  const columns = table.header.map((header) => ({ header }));
  return tableDownload(
    'csv',
    { fileName: table.fileName.replace(/\.csv$/, ''), sheetName: 'errors', columns },
    table.rows,
    log,
  );
}
