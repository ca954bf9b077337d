import { runService } from '@rmi/service-kit';
import enrollmentApp, { SERVICE } from './app.js';
import { EnrollmentConfigSchema } from './config.js';

await runService({
  service: SERVICE,
  configSchema: EnrollmentConfigSchema,
  portKey: 'ENROLLMENT_PORT',
  app: enrollmentApp,
});
