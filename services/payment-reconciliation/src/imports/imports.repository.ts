import type { PaymentDatabase, PaymentImportsTable } from '@rmi/db';
import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';

export type ImportRow = Selectable<PaymentImportsTable>;

export interface ImportErrorRow {
  line: number;
  errors: { column: string | null; code: string; message: string }[];
  cells: Record<string, string | null>;
}

/** Imports and their row errors; every function takes the pool or a transaction. */
export function createImportsRepository(db: Kysely<PaymentDatabase>) {
  return {
    find: (id: string): Promise<ImportRow | undefined> =>
      db.selectFrom('payment.imports').selectAll().where('id', '=', id).executeTakeFirst(),

    insert: (values: Insertable<PaymentImportsTable>) => db.insertInto('payment.imports').values(values).execute(),

    update: (id: string, values: Updateable<PaymentImportsTable>) =>
      db.updateTable('payment.imports').set(values).where('id', '=', id).execute(),

    /** The first row errors, one per problem, in line order. */
    async firstErrors(importId: string, limit = 1000) {
      const rows = await sql<{ line: number; column: string | null; code: string; message: string }>`
        select e.line, x.value ->> 'column' as column, x.value ->> 'code' as code, x.value ->> 'message' as message
        from payment.import_errors e
        cross join lateral jsonb_array_elements(e.errors) with ordinality as x(value, n)
        where e.import_id = ${importId}::uuid
        order by e.line, x.n
        limit ${limit}`.execute(db);
      return rows.rows.map((r) => ({ line: r.line, column: r.column ?? 'row', code: r.code, message: r.message }));
    },

    /** A page of bad lines after `after`, in line order. */
    errorsPage: (importId: string, after: number, limit: number): Promise<ImportErrorRow[]> =>
      db
        .selectFrom('payment.import_errors')
        .select(['line', 'errors', 'cells'])
        .where('import_id', '=', importId)
        .where('line', '>', after)
        .orderBy('line')
        .limit(limit)
        .execute(),

    /** The keys of an import's bad rows' cells (the file's header as stored with its first bad row). */
    async cellKeys(importId: string): Promise<string[]> {
      const first = await db
        .selectFrom('payment.import_errors')
        .select('cells')
        .where('import_id', '=', importId)
        .orderBy('line')
        .limit(1)
        .executeTakeFirst();
      return Object.keys(first?.cells ?? {});
    },
  };
}

export type ImportsRepository = ReturnType<typeof createImportsRepository>;
