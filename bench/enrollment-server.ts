import enrollmentApp, { EnrollmentConfigSchema, SERVICE } from '@rmi/enrollment/app';
import { type BenchService, startBenchService } from './service-server.js';

/** The enrollment service, logs off (the bare baseline logs nothing either). */
export function startEnrollment(url: string): Promise<BenchService> {
  return startBenchService(SERVICE, enrollmentApp, EnrollmentConfigSchema, url);
}
