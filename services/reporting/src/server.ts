import { runService } from '@rmi/service-kit';
import reportingApp, { SERVICE } from './app.js';
import { ReportingConfigSchema } from './config.js';

await runService({
  service: SERVICE,
  configSchema: ReportingConfigSchema,
  portKey: 'REPORTING_PORT',
  app: reportingApp,
});
