import type { SpellChange } from '@rmi/db';
import { sql } from 'kysely';
import type { IdentityDb } from '../db.js';

export interface ChangeRow {
  id_number: string;
  identity_code: string;
  change: SpellChange;
  name: string | null;
  line: number | null;
  before_village: string | null;
  before_village_name: string | null;
  before_from: string | null;
  before_to: string | null;
  after_village: string | null;
  after_village_name: string | null;
  after_from: string | null;
  after_to: string | null;
}

export interface ErrorRow {
  line: number;
  errors: { column: string | null; code: string; message: string }[];
  cells: Record<string, string | null>;
}

/**
 * A page read in the primary key's order by walking the key, never by sorting the batch: right
 * after a batch is applied its rows have no statistics yet, and the planner, guessing a few
 * hundred rows, would sort the whole batch for every page of its download.
 */
function inKeyOrder<T>(db: IdentityDb, read: (trx: IdentityDb) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`set local enable_sort = off`.execute(trx);
    return read(trx);
  });
}

/** Batches and what they computed (identity.batch_changes, batch_errors), read for downloads. */
export function createDownloadsRepository(db: IdentityDb) {
  return {
    findBatch: (id: string) =>
      db
        .selectFrom('identity.batches')
        .select(['id', 'department', 'period', 'status', 'scope_region_code'])
        .where('id', '=', id)
        .executeTakeFirst(),

    /**
     * A page of a batch's changes after (id_number, identity_code), in that order (the primary
     * key's), with the villages' names; only `change` when given, only rows with a village under
     * `regionPrefix` when given.
     */
    changesPage: async (
      batchId: string,
      filter: { change: SpellChange | null; regionPrefix: string | null },
      after: readonly [string, string] | null,
      limit: number,
    ): Promise<ChangeRow[]> => {
      const { rows } = await inKeyOrder(db, (trx) =>
        sql<ChangeRow>`
        select c.id_number, c.identity_code, c.change, c.name, c.line,
               c.before_village, bv.name as before_village_name, c.before_from, c.before_to,
               c.after_village, av.name as after_village_name, c.after_from, c.after_to
        from identity.batch_changes c
        left join identity.v_regions bv on bv.code = c.before_village
        left join identity.v_regions av on av.code = c.after_village
        where c.batch_id = ${batchId}::uuid
          ${after ? sql`and (c.id_number, c.identity_code) > (${after[0]}, ${after[1]})` : sql``}
          ${filter.change ? sql`and c.change = ${filter.change}` : sql``}
          ${
            filter.regionPrefix
              ? sql`and (starts_with(c.before_village, ${filter.regionPrefix}) or starts_with(c.after_village, ${filter.regionPrefix}))`
              : sql``
          }
        order by c.id_number, c.identity_code
        limit ${limit}`.execute(trx),
      );
      return rows;
    },

    /** A page of a batch's bad rows after `line`, in line order. */
    errorsPage: (batchId: string, after: number | null, limit: number): Promise<ErrorRow[]> =>
      inKeyOrder(db, (trx) =>
        trx
          .selectFrom('identity.batch_errors')
          .select(['line', 'errors', 'cells'])
          .where('batch_id', '=', batchId)
          .where('line', '>', after ?? 0)
          .orderBy('line')
          .limit(limit)
          .execute(),
      ),

    /** The cell keys of a batch's bad rows: every row of one file has the same header. */
    errorColumns: async (batchId: string): Promise<string[]> => {
      const first = await db
        .selectFrom('identity.batch_errors')
        .select('cells')
        .where('batch_id', '=', batchId)
        .orderBy('line')
        .limit(1)
        .executeTakeFirst();
      return Object.keys(first?.cells ?? {});
    },
  };
}
