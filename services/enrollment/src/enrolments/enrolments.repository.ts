import type { EnrolmentsTable, ExternalCoveragesTable, PaymentReversalsTable } from '@rmi/db';
import type { Insertable, Selectable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { EnrollmentDb } from '../db.js';

export type EnrolmentRow = Selectable<EnrolmentsTable>;
export type PaymentReversalRow = Selectable<PaymentReversalsTable>;

export function createEnrolmentsRepository(db: EnrollmentDb) {
  return {
    async find(idNumber: string, year: number): Promise<EnrolmentRow | undefined> {
      return db
        .selectFrom('enrollment.enrolments')
        .selectAll()
        .where('id_number', '=', idNumber)
        .where('year', '=', year)
        .executeTakeFirst();
    },

    /** Locks the row for the rest of the transaction, so concurrent changes queue behind it. */
    async findForUpdate(idNumber: string, year: number): Promise<EnrolmentRow | undefined> {
      return db
        .selectFrom('enrollment.enrolments')
        .selectAll()
        .where('id_number', '=', idNumber)
        .where('year', '=', year)
        .forUpdate()
        .executeTakeFirst();
    },

    /** The person's registrations not yet paid, every year, locked for the rest of the transaction. */
    async registeredForUpdate(idNumber: string): Promise<EnrolmentRow[]> {
      return db
        .selectFrom('enrollment.enrolments')
        .selectAll()
        .where('id_number', '=', idNumber)
        .where('status', '=', 'registered')
        .orderBy('year')
        .forUpdate()
        .execute();
    },

    async findByPaymentId(paymentId: string): Promise<EnrolmentRow | undefined> {
      return db.selectFrom('enrollment.enrolments').selectAll().where('payment_id', '=', paymentId).executeTakeFirst();
    },

    /** The enrolment a payment paid, locked for the rest of the transaction (a reversal). */
    async findByPaymentIdForUpdate(paymentId: string): Promise<EnrolmentRow | undefined> {
      return db
        .selectFrom('enrollment.enrolments')
        .selectAll()
        .where('payment_id', '=', paymentId)
        .forUpdate()
        .executeTakeFirst();
    },

    async findReversal(paymentId: string): Promise<PaymentReversalRow | undefined> {
      return db
        .selectFrom('enrollment.payment_reversals')
        .selectAll()
        .where('payment_id', '=', paymentId)
        .executeTakeFirst();
    },

    async insertReversal(values: Insertable<PaymentReversalsTable>): Promise<void> {
      await db.insertInto('enrollment.payment_reversals').values(values).execute();
    },

    /** Inserts unless the person already has an enrolment that year; undefined then. */
    async insertIfAbsent(values: Insertable<EnrolmentsTable>): Promise<EnrolmentRow | undefined> {
      return db
        .insertInto('enrollment.enrolments')
        .values(values)
        .onConflict((oc) => oc.columns(['id_number', 'year']).doNothing())
        .returningAll()
        .executeTakeFirst();
    },

    async update(idNumber: string, year: number, values: Updateable<EnrolmentsTable>): Promise<EnrolmentRow> {
      return db
        .updateTable('enrollment.enrolments')
        .set({ ...values, updated_at: sql`now()` })
        .where('id_number', '=', idNumber)
        .where('year', '=', year)
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    /** The latest earlier year the person was insured through us, for the continuity rules (003#七). */
    async lastInsuredYear(idNumber: string, before: number): Promise<number | undefined> {
      const row = await db
        .selectFrom('enrollment.enrolments')
        .select((eb) => eb.fn.max('year').as('year'))
        .where('id_number', '=', idNumber)
        .where('year', '<', before)
        .where('status', 'in', ['paid', 'transferred'])
        .executeTakeFirst();
      return row?.year ?? undefined;
    },

    async externalCoverages(idNumber: string, year: number) {
      return db
        .selectFrom('enrollment.external_coverages')
        .selectAll()
        .where('id_number', '=', idNumber)
        .where('year', '=', year)
        .execute();
    },

    /** Stores reported coverages; a second report of the same (person, year, kind) replaces the first. */
    async upsertExternalCoverages(rows: Insertable<ExternalCoveragesTable>[]): Promise<void> {
      await db
        .insertInto('enrollment.external_coverages')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['id_number', 'year', 'kind']).doUpdateSet({
            insurer: (eb) => eb.ref('excluded.insurer'),
            starts_on: (eb) => eb.ref('excluded.starts_on'),
            reported_by: (eb) => eb.ref('excluded.reported_by'),
            reported_at: sql`now()`,
          }),
        )
        .execute();
    },

    /** One page of a region's enrolments for a year, in ID-number order (keyset pagination). */
    async list(q: { regionPrefix: string; year: number; status?: string; after?: string; limit: number }) {
      let query = db
        .selectFrom('enrollment.enrolments')
        .selectAll()
        .where('year', '=', q.year)
        .where('region_code', 'like', `${q.regionPrefix}%`);
      if (q.after) query = query.where('id_number', '>', q.after);
      if (q.status) query = query.where(effectiveStatusSql, '=', q.status);
      return query.orderBy('id_number').limit(q.limit).execute();
    },
  };
}

// The same reading as enrollment.v_enrollment_facts: a paid enrolment waits, is covered or has
// ended depending on the day (connections run in Asia/Shanghai, so current_date is that day).
const effectiveStatusSql = sql<string>`case
  when status <> 'paid' then status
  when current_date < benefit_start then 'waiting'
  when current_date > benefit_end then 'ended'
  else 'covered' end`;
