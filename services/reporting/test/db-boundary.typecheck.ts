// Checked by `pnpm typecheck`, never run: each `@ts-expect-error` fails the typecheck the day the
// statement under it compiles, i.e. the day reporting's database lets it write another service's
// tables or through the views it reads.
import type { ReportingDb } from '../src/db.js';

export function touchesOnlyWhatItOwns(db: ReportingDb) {
  db.insertInto('reporting.received_events').values({ source: 'enrollment', id: 1, topic: 't', payload: '{}' });
  db.selectFrom('enrollment.v_enrollment_facts').select(['village_code', 'status']);
  db.selectFrom('enrollment.v_targets').select('target');
  db.selectFrom('reporting.v_regions').select('code');
  // @ts-expect-error enrollment's register is not reporting's to write
  db.insertInto('enrollment.persons');
  // @ts-expect-error nor to read: reporting reads enrolments through the view
  db.selectFrom('enrollment.enrolments');
  // @ts-expect-error another publisher's outbox
  db.deleteFrom('enrollment.outbox');
  // @ts-expect-error targets belong to core, published as enrollment.v_targets
  db.updateTable('core.targets');
  // @ts-expect-error payments belong to payment-reconciliation
  db.selectFrom('payment.channels');
  db.updateTable('enrollment.v_enrollment_facts').set({
    // @ts-expect-error a view it reads is read-only
    status: 'covered',
  });
  db.insertInto('enrollment.v_targets').values({
    // @ts-expect-error nor can it insert through one
    target: 1,
  });
}
