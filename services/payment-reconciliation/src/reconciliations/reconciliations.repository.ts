import type { ReconciliationClass } from '@rmi/rules';
import { sql } from 'kysely';
import type { PaymentDb } from '../db.js';

export interface RunRow {
  id: string;
  region_code: string;
  year: number;
  as_of: Date;
  counts: Record<string, number>;
  totals: Record<string, unknown>;
  notes: string[];
  created_at: Date;
}

export interface ItemRow {
  id_number: string;
  name: string | null;
  village_code: string | null;
  class: ReconciliationClass;
  expected_fen: number | null;
  paid_fen: number;
  owed_fen: number | null;
  payment_ids: string[];
}

export interface ChangeRow {
  id_number: string;
  name: string | null;
  before: ReconciliationClass | null;
  after: ReconciliationClass | null;
}

/**
 * A page read by walking the primary key, never by sorting: right after a run wrote its items they
 * have no statistics yet, and a planner guessing a few rows would sort the whole run for each page.
 */
function inKeyOrder<T>(db: PaymentDb, read: (trx: PaymentDb) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`set local enable_sort = off`.execute(trx);
    return read(trx);
  });
}

/** payment.reconciliation_runs and their items: written once by a run, read ever after. */
export function createReconciliationsRepository(db: PaymentDb) {
  return {
    findRun: (id: string): Promise<RunRow | undefined> =>
      db
        .selectFrom('payment.reconciliation_runs')
        .select(['id', 'region_code', 'year', 'as_of', 'counts', 'totals', 'notes', 'created_at'])
        .where('id', '=', id)
        .executeTakeFirst() as Promise<RunRow | undefined>,

    /** Items after `after` (an ID number) in ID-number order, of one class when given. */
    itemsPage: (
      runId: string,
      filter: { class: ReconciliationClass | null },
      after: string | null,
      limit: number,
    ): Promise<ItemRow[]> =>
      inKeyOrder(db, async (trx) => {
        let q = trx
          .selectFrom('payment.reconciliation_items')
          .select(['id_number', 'name', 'village_code', 'class', 'expected_fen', 'paid_fen', 'owed_fen', 'payment_ids'])
          .where('run_id', '=', runId);
        if (filter.class !== null) q = q.where('class', '=', filter.class);
        if (after !== null) q = q.where('id_number', '>', after);
        return (await q.orderBy('id_number').limit(limit).execute()) as ItemRow[];
      }),

    /**
     * The person-years after `after` whose class differs between runs `a` and `b`, a person-year
     * missing on one side counting as a change: both runs' items merged in ID-number order.
     */
    changesPage: (a: string, b: string, after: string | null, limit: number): Promise<ChangeRow[]> =>
      inKeyOrder(db, async (trx) => {
        const from = after ?? '';
        const { rows } = await sql<ChangeRow>`
          select id_number, coalesce(rb.name, ra.name) as name, ra.class as before, rb.class as after
          from (select id_number, name, class from payment.reconciliation_items
                where run_id = ${a} and id_number > ${from}) ra
          full join (select id_number, name, class from payment.reconciliation_items
                     where run_id = ${b} and id_number > ${from}) rb using (id_number)
          where ra.class is distinct from rb.class
          order by id_number
          limit ${limit}`.execute(trx);
        return rows;
      }),
  };
}

export type ReconciliationsRepository = ReturnType<typeof createReconciliationsRepository>;
