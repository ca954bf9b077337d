// Migrates DATABASE_URL and loads reference data (regions, identity types, channels). With
// CREATE_ADMIN_KEY=true it also creates the first admin key and prints it once (containers).
import { prepareDatabase } from '@rmi/db';
import { ensureAdminKey } from './lib/admin-key.js';
import { openTarget } from './lib/database.js';

const target = await openTarget();
try {
  await prepareDatabase(target.db, { demoRegions: process.env.DEMO_REGIONS !== 'false' });
  console.log('database migrated and reference data loaded');
  if (process.env.CREATE_ADMIN_KEY === 'true') {
    const admin = await ensureAdminKey(target.db, null);
    console.log(admin.created ? `admin API key (shown once): ${admin.key}` : 'an admin key exists already');
  }
} finally {
  await target.close();
}
