import type { Db } from '@rmi/db';
import enrollmentApp, { SERVICE as ENROLLMENT, EnrollmentConfigSchema } from '@rmi/enrollment/app';
import { buildApp, testConfig } from '@rmi/service-kit';

/** Enrollment's app on a test database another service's test set up: tests wiring the two live here, in test/. */
export const enrollmentAlongside = (db: Db) =>
  buildApp(ENROLLMENT, enrollmentApp, { db, config: testConfig({}, EnrollmentConfigSchema) });
