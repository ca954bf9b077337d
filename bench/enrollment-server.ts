import { createDb } from '@rmi/db';
import enrollmentApp, { EnrollmentConfigSchema, SERVICE } from '@rmi/enrollment/app';
import { createServer, databaseOptions, loadConfig } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import { listen } from './http-load.js';

/**
 * The enrollment service as runService builds it, listening on loopback, except that logs are off
 * (the bare baseline logs nothing either) and the rate limit is out of reach, since one client
 * sends every request.
 */
export async function startEnrollment(
  url: string,
): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const config = loadConfig(EnrollmentConfigSchema, {
    DATABASE_URL: url,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '100000000',
  });
  const db = createDb(url, databaseOptions(config, SERVICE));
  const app = createServer(SERVICE, config);
  await app.register(enrollmentApp, { db, config });
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
