import { createTestDatabase } from '@rmi/db';
import { buildApp, testConfig } from '@rmi/service-kit';
import type { Test } from 'tap';
import enrollmentApp, { SERVICE } from '../src/app.js';
import { EnrollmentConfigSchema } from '../src/config.js';

export const enrollmentConfig = (overrides: Record<string, string> = {}) =>
  testConfig(overrides, EnrollmentConfigSchema);

/** A fresh database clone and the enrollment app on it, both torn down with the test. */
export async function setup(t: Test) {
  const tdb = await createTestDatabase();
  const app = await buildApp(SERVICE, enrollmentApp, { db: tdb.db, config: enrollmentConfig() });
  t.teardown(async () => {
    await app.close();
    await tdb.destroy();
  });
  return { app, db: tdb.db, url: tdb.url };
}
