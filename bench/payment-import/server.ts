import paymentApp, { PaymentConfigSchema, SERVICE } from '@rmi/payment-reconciliation/app';
import { type BenchService, startBenchService } from '../service-server.js';

/**
 * payment-reconciliation, logs off unless asked for (they go to stdout). No SERVICE_API_KEY: the
 * payments an import records wait for the applier, and its events in the outbox, instead of
 * being sent to services not running.
 */
export function startPaymentReconciliation(url: string, logLevel = 'silent'): Promise<BenchService> {
  return startBenchService(SERVICE, paymentApp, PaymentConfigSchema, url, {
    LOG_LEVEL: logLevel,
    // A county's export over a slow link takes a while to arrive; the bench measures the service, not a timeout.
    REQUEST_TIMEOUT_MS: '3600000',
  });
}
