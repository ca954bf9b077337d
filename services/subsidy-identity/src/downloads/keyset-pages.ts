/**
 * Rows of a query read a page at a time in key order: each page a short query on the request
 * pool that starts after the last key of the one before (the table's primary key serves it), so a
 * download holds no connection between pages and no more than a page in memory.
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
