import { createDb } from '@rmi/db';
import { createServer, databaseOptions, loadConfig } from '@rmi/service-kit';
import subsidyIdentityApp, { SERVICE, SubsidyIdentityConfigSchema } from '@rmi/subsidy-identity/app';
import type { FastifyInstance } from 'fastify';
import { listen } from '../http-load.js';

/**
 * subsidy-identity as runService builds it, listening on loopback, logs off unless asked for (they
 * go to stdout). No SERVICE_API_KEY:
 * the events a batch records wait in the outbox instead of being sent to services not running.
 */
export async function startSubsidyIdentity(
  url: string,
  logLevel = 'silent',
): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const config = loadConfig(SubsidyIdentityConfigSchema, {
    DATABASE_URL: url,
    LOG_LEVEL: logLevel,
    RATE_LIMIT_PER_MINUTE: '100000000',
    // A county's list over a slow link takes a while to arrive; the bench measures the service, not a timeout.
    REQUEST_TIMEOUT_MS: '3600000',
  });
  const db = createDb(url, databaseOptions(config, SERVICE));
  const app = createServer(SERVICE, config);
  await app.register(subsidyIdentityApp, { db, config });
  const base = await listen(app);
  return {
    app,
    url: base,
    async close() {
      await app.close();
      await db.destroy();
    },
  };
}
