// Checked by `pnpm typecheck`, never run: each `@ts-expect-error` fails the typecheck the day the
// statement under it compiles, i.e. the day subsidy-identity's database lets it name another
// service's tables.
import type { IdentityDb } from '../src/db.js';

export function namesOnlyItsOwnSchema(db: IdentityDb) {
  db.selectFrom('identity.identity_types').select('code');
  // @ts-expect-error enrollment's register is not identity's to write
  db.insertInto('enrollment.persons');
  // @ts-expect-error nor to read
  db.selectFrom('enrollment.enrolments');
  // @ts-expect-error payments belong to payment-reconciliation
  db.updateTable('payment.channels');
  // @ts-expect-error the audit log is written through service-kit's change runner, not named here
  db.deleteFrom('core.audit_log');
}
