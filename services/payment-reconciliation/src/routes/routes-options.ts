import type { Db } from '@rmi/db';
import type { PolicyCatalog } from '@rmi/service-kit';
import type { PaymentConfig } from '../config.js';
import type { PaymentDb, RunChange } from '../db.js';

/** What every route plugin of payment-reconciliation is given by app.ts. */
export interface PaymentRoutesOptions {
  /** The whole pool, for work that needs a session of its own (COPY staging of an import). */
  pool: Db;
  db: PaymentDb;
  change: RunChange;
  catalog: PolicyCatalog;
  config: PaymentConfig;
  /** Wakes the applier: recorded payments and reversals go to enrollment now, not at the next poll. */
  nudgeApplier: () => void;
}
