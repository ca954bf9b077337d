import type { ImportsTable } from '@rmi/db';
import type { Selectable } from 'kysely';
import type { EnrollmentDb } from '../db.js';

export type ImportRow = Selectable<ImportsTable>;

/** An import that says it is still running (its session may have died since: see settleOrphans). */
export const RUNNING_STATUSES: readonly ImportRow['status'][] = ['receiving', 'validating', 'applying'];

/** The stored problem of a refused or failed import, as the importer wrote it. */
export interface StoredProblem {
  code: string;
  detail: string;
  errors?: unknown[];
}

const PAGE = 5000;

/** Imports and their rejected rows, read for their uploaders. */
export function createImportsRepository(db: EnrollmentDb) {
  return {
    find: (id: string): Promise<ImportRow | undefined> =>
      db.selectFrom('enrollment.imports').selectAll().where('id', '=', id).executeTakeFirst(),

    /** Newest first; `scopePrefix` limits the list to imports made within a region (null: all). */
    recent: (scopePrefix: string | null, limit: number): Promise<ImportRow[]> => {
      let query = db.selectFrom('enrollment.imports').selectAll();
      if (scopePrefix !== null) query = query.where('scope_region_code', 'like', `${scopePrefix}%`);
      return query.orderBy('created_at', 'desc').limit(limit).execute();
    },

    problemOf: (row: ImportRow): StoredProblem | null => (row.problem as StoredProblem | null) ?? null,

    /** The first rejections, for a problem answer; the CSV has them all. */
    async firstRejections(importId: string, limit = 1000) {
      const rows = await db
        .selectFrom('enrollment.import_rejections')
        .select(['line', 'reasons'])
        .where('import_id', '=', importId)
        .orderBy('line')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ line: r.line, message: r.reasons.join('; ') }));
    },

    /** The upload's column names: every row of an upload keeps the header's keys. */
    async rejectedColumns(importId: string): Promise<string[]> {
      const first = await db
        .selectFrom('enrollment.import_rejections')
        .select('row')
        .where('import_id', '=', importId)
        .orderBy('line')
        .limit(1)
        .executeTakeFirst();
      return Object.keys(first?.row ?? {});
    },

    /** Every rejected row in line order, a page at a time: a million rejections are never held whole. */
    async *rejections(
      importId: string,
    ): AsyncGenerator<{ line: number; reasons: string[]; row: Record<string, string> }> {
      let after = 0;
      for (;;) {
        const page = await db
          .selectFrom('enrollment.import_rejections')
          .select(['line', 'reasons', 'row'])
          .where('import_id', '=', importId)
          .where('line', '>', after)
          .orderBy('line')
          .limit(PAGE)
          .execute();
        yield* page as Array<{ line: number; reasons: string[]; row: Record<string, string> }>;
        if (page.length < PAGE) return;
        after = page[page.length - 1]?.line ?? after;
      }
    },
  };
}

export type ImportsRepository = ReturnType<typeof createImportsRepository>;
