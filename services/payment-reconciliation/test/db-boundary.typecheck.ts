// Checked by `pnpm typecheck`, never run: each `@ts-expect-error` fails the typecheck the day the
// statement under it compiles, i.e. the day payment-reconciliation's database lets it write
// another service's schema.
import type { PaymentDb } from '../src/db.js';

export function writesOnlyItsOwnSchema(db: PaymentDb) {
  db.selectFrom('payment.channels').select('code');
  db.selectFrom('enrollment.v_enrollment_facts').select(['id_number', 'year', 'personal_fen']);
  // @ts-expect-error enrollment's tables are not payment's to write
  db.updateTable('enrollment.enrolments');
  // @ts-expect-error the published view is read-only
  db.insertInto('enrollment.v_enrollment_facts').values({ id_number: '110105194912310029', year: 2025 });
  // @ts-expect-error the published view is read-only
  db.updateTable('enrollment.v_enrollment_facts').set({ paid_fen: 0 });
  // @ts-expect-error identities belong to subsidy-identity
  db.insertInto('identity.identity_types');
}
