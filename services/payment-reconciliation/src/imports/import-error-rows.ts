import { PAYMENT_HEADER } from './import-columns.js';
import type { ImportRow, ImportsRepository } from './imports.repository.js';

/** The leading columns of the errors download; the file's own columns follow. */
export const ERROR_COLUMNS = ['行号 line', '列 column', '错误代码 code', '原因 message'] as const;

/** An import's row errors as a table: one row per error, with the cells of its line as sent. */
export interface ErrorsTable {
  fileName: string;
  header: string[];
  rows: AsyncIterable<unknown[]>;
}

/** The file's columns in the order of an export's fields (voucher, paid at, ID, …), then the others as stored. */
function cellOrder(keys: readonly string[]): string[] {
  const rank = (key: string) => {
    const field = PAYMENT_HEADER.fieldOf(key);
    return field === undefined ? PAYMENT_HEADER.fields.length : PAYMENT_HEADER.fields.indexOf(field);
  };
  return keys
    .map((key, i) => ({ key, i, r: rank(key) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.key);
}

const PAGE = 2000;

/** Read a page of bad lines at a time in line order: a million errors are never held whole. */
export async function errorsTable(repo: ImportsRepository, row: ImportRow): Promise<ErrorsTable> {
  const keys = cellOrder(await repo.cellKeys(row.id));
  async function* rows(): AsyncGenerator<unknown[]> {
    let after = 0;
    for (;;) {
      const page = await repo.errorsPage(row.id, after, PAGE);
      for (const bad of page) {
        const cells = keys.map((k) => bad.cells[k] ?? '');
        for (const e of bad.errors) yield [bad.line, e.column ?? 'row', e.code, e.message, ...cells];
      }
      const last = page[page.length - 1];
      if (page.length < PAGE || last === undefined) return;
      after = last.line;
    }
  }
  return { fileName: `payment-import-errors-${row.id}.csv`, header: [...ERROR_COLUMNS, ...keys], rows: rows() };
}
