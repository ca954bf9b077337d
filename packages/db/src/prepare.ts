import type { Db } from './create-db.js';
import { migrate } from './migrate.js';
import { seedReferenceData } from './seed/reference-data.js';
import { loadBaseRegions, loadDemoRegions } from './seed/regions.js';

export interface PrepareOptions {
  /** Also load the townships and villages of the demo counties. */
  demoRegions?: boolean;
}

/** Migrates and loads reference data; idempotent, run by `pnpm start`, `pnpm migrate` and the test runner. */
export async function prepareDatabase(db: Db, options: PrepareOptions = {}): Promise<void> {
  await migrate(db);
  await seedReferenceData(db);
  await loadBaseRegions(db);
  if (options.demoRegions) await loadDemoRegions(db);
}
