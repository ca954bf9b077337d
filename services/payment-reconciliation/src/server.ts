import { runService } from '@rmi/service-kit';
import paymentApp, { SERVICE } from './app.js';
import { PaymentConfigSchema } from './config.js';

await runService({
  service: SERVICE,
  configSchema: PaymentConfigSchema,
  portKey: 'PAYMENT_RECONCILIATION_PORT',
  app: paymentApp,
});
