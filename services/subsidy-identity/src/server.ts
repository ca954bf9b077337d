import { runService } from '@rmi/service-kit';
import subsidyIdentityApp, { SERVICE } from './app.js';
import { SubsidyIdentityConfigSchema } from './config.js';

await runService({
  service: SERVICE,
  configSchema: SubsidyIdentityConfigSchema,
  portKey: 'SUBSIDY_IDENTITY_PORT',
  app: subsidyIdentityApp,
});
