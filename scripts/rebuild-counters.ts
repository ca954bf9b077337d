// `pnpm rebuild-counters`: reporting's counters (villages, special groups, days paid, channels)
// recomputed from the views the other services publish, in one transaction, on DATABASE_URL or the
// embedded server under .data/. Deliveries of events arriving meanwhile wait, then refresh on top.
import { EmbeddedPostgresError } from '@rmi/db';
import { rebuildCountersOn } from '@rmi/reporting/rebuild-counters';
import { openTarget } from './lib/database.js';

const target = await openTarget().catch((err: unknown) => {
  if (!(err instanceof EmbeddedPostgresError)) throw err;
  console.error(`Cannot start the embedded PostgreSQL: ${err.message}`);
  process.exit(1);
});
try {
  const result = await rebuildCountersOn(target.db);
  console.log(`counters rebuilt in ${result.ms} ms:
  village_counters  ${result.villageRows} rows
  group_counters    ${result.groupRows} rows
  daily_counters    ${result.dailyRows} rows
  channel_counters  ${result.channelRows} rows`);
} finally {
  await target.close();
}
