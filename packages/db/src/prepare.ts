import { BUILT_IN_POLICIES } from '@rmi/rules';
import type { Db } from './create-db.js';
import { migrate } from './migrate.js';
import { createPolicyStore } from './policy-store.js';
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
  await loadBuiltInPolicies(db);
}

/** The policy documents shipped in packages/rules/policies; a no-op when they are already in force. */
export async function loadBuiltInPolicies(db: Db): Promise<void> {
  const store = createPolicyStore(db);
  for (const doc of BUILT_IN_POLICIES) await store.store(doc, { origin: 'built-in' });
}
