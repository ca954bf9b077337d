import type { Db } from '@rmi/db';
import type { PolicyCatalog } from '@rmi/service-kit';
import type { SubsidyIdentityConfig } from '../config.js';
import type { IdentityDb, RunChange } from '../db.js';

/** What every route plugin of subsidy-identity is given by app.ts. */
export interface IdentityRoutesOptions {
  /** The whole pool, for work that needs a session of its own (COPY staging of a feed). */
  pool: Db;
  db: IdentityDb;
  change: RunChange;
  catalog: PolicyCatalog;
  config: SubsidyIdentityConfig;
}
