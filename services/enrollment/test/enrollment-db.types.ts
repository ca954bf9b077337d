// Checked by `pnpm typecheck`, never run: enrollment's database names its own tables and core's,
// and naming another service's fails to compile (a regression breaks the typecheck, not a test).
import type { EnrollmentDb } from '../src/db.js';

export function namesOnlyItsOwnTables(db: EnrollmentDb) {
  return [
    db.selectFrom('enrollment.persons').select('id_number'),
    db.insertInto('core.audit_log').values({ service: 'enrollment', action: 'probe', entity: 'probe' }),
    // @ts-expect-error reporting's table is not enrollment's to write
    db.insertInto('reporting.received_events').values({}),
    // @ts-expect-error nor subsidy-identity's to read
    db.selectFrom('identity.identity_types').selectAll(),
    // @ts-expect-error nor payment-reconciliation's
    db.updateTable('payment.channels').set({}),
  ];
}

export function readsItsOwnViewsOnly(db: EnrollmentDb) {
  return [
    db.selectFrom('enrollment.v_enrollment_facts').select(['id_number', 'status']),
    // @ts-expect-error a view is published for reading
    db.updateTable('enrollment.v_targets').set({ target: 0 }),
  ];
}
