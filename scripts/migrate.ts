// Migrates DATABASE_URL and loads reference data (regions, identity types, channels). With
// CREATE_ADMIN_KEY=true it also creates the first admin key and prints it once (containers); with
// SERVICE_API_KEY set it registers that key for the calls between services.
import { EmbeddedPostgresError, prepareDatabase } from '@rmi/db';
import { ensureAdminKey } from './lib/admin-key.js';
import { openTarget } from './lib/database.js';
import { registerServiceKey } from './lib/service-key.js';

const target = await openTarget().catch((err: unknown) => {
  if (!(err instanceof EmbeddedPostgresError)) throw err;
  // A setup problem with one known fix is one line, not a stack.
  console.error(`Cannot start the embedded PostgreSQL: ${err.message}`);
  process.exit(1);
});
try {
  await prepareDatabase(target.db, { demoRegions: process.env.DEMO_REGIONS !== 'false' });
  console.log('database migrated and reference data loaded');
  if (process.env.CREATE_ADMIN_KEY === 'true') {
    const admin = await ensureAdminKey(target.db, null);
    console.log(admin.created ? `admin API key (shown once): ${admin.key}` : 'an admin key exists already');
  }
  const serviceKey = process.env.SERVICE_API_KEY;
  if (serviceKey) {
    if (serviceKey.length < 32) throw new Error('SERVICE_API_KEY must be at least 32 characters');
    console.log(`service key ${await registerServiceKey(target.db, serviceKey)}`);
  }
} finally {
  await target.close();
}
