import type { Db } from '../create-db.js';

// Placeholder signatures; filled in by the regions loader.
export async function loadBaseRegions(_db: Db): Promise<void> {}
export async function loadDemoRegions(_db: Db): Promise<void> {}
