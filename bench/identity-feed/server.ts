import subsidyIdentityApp, { SERVICE, SubsidyIdentityConfigSchema } from '@rmi/subsidy-identity/app';
import { type BenchService, startBenchService } from '../service-server.js';

/**
 * subsidy-identity, logs off unless asked for (they go to stdout). No SERVICE_API_KEY: the events
 * a batch records wait in the outbox instead of being sent to services not running.
 */
export function startSubsidyIdentity(url: string, logLevel = 'silent'): Promise<BenchService> {
  return startBenchService(SERVICE, subsidyIdentityApp, SubsidyIdentityConfigSchema, url, {
    LOG_LEVEL: logLevel,
    // A county's list over a slow link takes a while to arrive; the bench measures the service, not a timeout.
    REQUEST_TIMEOUT_MS: '3600000',
  });
}
