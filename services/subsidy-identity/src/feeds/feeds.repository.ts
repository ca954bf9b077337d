import type { FeedBatchesTable, FeedMode, IdentityDatabase } from '@rmi/db';
import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';

export type BatchRow = Selectable<FeedBatchesTable>;

/** The guard's shares when a department has never had its own. */
export const DEFAULT_SHARES = { maxRemovalShare: 0.2, minRowShare: 0.8 } as const;

/** Scopes that share spells: one inside the other, or either the department's whole list. */
const overlapping = (scope: string | null) =>
  scope === null
    ? sql<boolean>`true`
    : sql<boolean>`(scope_region_code is null or starts_with(scope_region_code, ${scope}) or starts_with(${scope}, scope_region_code))`;

/** Batches, their errors and the guard's settings; every function takes the pool or a transaction. */
export function createFeedsRepository(db: Kysely<IdentityDatabase>) {
  return {
    find: (id: string): Promise<BatchRow | undefined> =>
      db.selectFrom('identity.batches').selectAll().where('id', '=', id).executeTakeFirst(),

    /** The row to update while deciding it: locked until the transaction ends. */
    findForUpdate: (id: string): Promise<BatchRow | undefined> =>
      db.selectFrom('identity.batches').selectAll().where('id', '=', id).forUpdate().executeTakeFirst(),

    /** The batch an Idempotency-Key made, or the unchanged answer it was given. */
    byIdempotencyKey: (department: string, key: string): Promise<BatchRow | undefined> =>
      db
        .selectFrom('identity.batches')
        .selectAll()
        .where('department', '=', department)
        .where('idempotency_key', '=', key)
        .orderBy(sql`status = 'unchanged'`)
        .orderBy('created_at')
        .limit(1)
        .executeTakeFirst(),

    held: (department: string): Promise<BatchRow | undefined> =>
      db
        .selectFrom('identity.batches')
        .selectAll()
        .where('department', '=', department)
        .where('status', '=', 'held')
        .executeTakeFirst(),

    /** An applied batch of the same bytes for the same department, scope, period and mode. */
    appliedWithContent: (key: {
      department: string;
      scope: string | null;
      period: string;
      mode: FeedMode;
      sha256: string;
    }): Promise<BatchRow | undefined> =>
      db
        .selectFrom('identity.batches')
        .selectAll()
        .where('department', '=', key.department)
        .where(sql`coalesce(scope_region_code, '')`, '=', key.scope ?? '')
        .where('period', '=', key.period)
        .where('mode', '=', key.mode)
        .where('content_sha256', '=', key.sha256)
        .where('status', '=', 'applied')
        .executeTakeFirst(),

    /** The last batch applied to spells a batch of `scope` shares: what a batch is computed on. */
    async lastAppliedOver(department: string, scope: string | null): Promise<string | null> {
      const row = await db
        .selectFrom('identity.batches')
        .select('id')
        .where('department', '=', department)
        .where('status', '=', 'applied')
        .where(overlapping(scope))
        .orderBy('applied_at', 'desc')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      return row?.id ?? null;
    },

    /** Valid rows of the previous applied snapshot of exactly this department and scope. */
    async previousSnapshotValid(department: string, scope: string | null): Promise<number | null> {
      const row = await db
        .selectFrom('identity.batches')
        .select('counts')
        .where('department', '=', department)
        .where(sql`coalesce(scope_region_code, '')`, '=', scope ?? '')
        .where('mode', '=', 'snapshot')
        .where('status', '=', 'applied')
        .orderBy('applied_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      const valid = row?.counts.valid;
      return typeof valid === 'number' ? valid : null;
    },

    /** The department's current list inside `scope` (null: all of it). */
    async currentListSize(department: string, scope: string | null): Promise<number> {
      const row = await db
        .selectFrom('identity.spells')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('current', '=', true)
        .where('department', '=', department)
        .$if(scope !== null, (q) => q.where(sql<boolean>`starts_with(region_code, ${scope})`))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    insert: (values: Insertable<FeedBatchesTable>) => db.insertInto('identity.batches').values(values).execute(),

    update: (id: string, values: Updateable<FeedBatchesTable>) =>
      db.updateTable('identity.batches').set(values).where('id', '=', id).execute(),

    dropChanges: (id: string) => db.deleteFrom('identity.batch_changes').where('batch_id', '=', id).execute(),

    /** The first row errors, one per problem, in line order. */
    async firstErrors(batchId: string, limit = 1000) {
      const rows = await sql<{ line: number; column: string | null; code: string; message: string }>`
        select e.line, x.value ->> 'column' as column, x.value ->> 'code' as code, x.value ->> 'message' as message
        from identity.batch_errors e
        cross join lateral jsonb_array_elements(e.errors) with ordinality as x(value, n)
        where e.batch_id = ${batchId}::uuid
        order by e.line, x.n
        limit ${limit}`.execute(db);
      return rows.rows.map((r) => ({ line: r.line, column: r.column ?? 'row', code: r.code, message: r.message }));
    },

    /** Batches in a department (or all) and period (or all), newest first; `scopePrefix` limits them to a region's. */
    list: (filter: { department?: string; period?: string; scopePrefix: string | null; limit: number }) =>
      db
        .selectFrom('identity.batches')
        .selectAll()
        .$if(filter.department !== undefined, (q) => q.where('department', '=', filter.department as string))
        .$if(filter.period !== undefined, (q) => q.where('period', '=', filter.period as string))
        .$if(filter.scopePrefix !== null, (q) =>
          q.where(sql<boolean>`starts_with(coalesce(scope_region_code, ''), ${filter.scopePrefix})`),
        )
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(filter.limit)
        .execute(),

    async shares(department: string) {
      const row = await db
        .selectFrom('identity.feed_settings')
        .selectAll()
        .where('department', '=', department)
        .executeTakeFirst();
      return {
        maxRemovalShare: row ? Number(row.max_removal_share) : DEFAULT_SHARES.maxRemovalShare,
        minRowShare: row ? Number(row.min_row_share) : DEFAULT_SHARES.minRowShare,
        updatedBy: row?.updated_by ?? null,
        updatedAt: row?.updated_at ?? null,
      };
    },

    saveShares: (department: string, shares: { maxRemovalShare: number; minRowShare: number }, by: string | null) =>
      db
        .insertInto('identity.feed_settings')
        .values({
          department,
          max_removal_share: shares.maxRemovalShare,
          min_row_share: shares.minRowShare,
          updated_by: by,
        })
        .onConflict((oc) =>
          oc.column('department').doUpdateSet({
            max_removal_share: shares.maxRemovalShare,
            min_row_share: shares.minRowShare,
            updated_by: by,
            updated_at: sql`now()`,
          }),
        )
        .execute(),
  };
}

export type FeedsRepository = ReturnType<typeof createFeedsRepository>;
