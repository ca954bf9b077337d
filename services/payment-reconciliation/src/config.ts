import { type EventSubscriber, outboxConfigShape } from '@rmi/outbox';
import { baseConfigShape, importConfigShape } from '@rmi/service-kit';
import { z } from 'zod';

export const PaymentConfigSchema = z.object({
  ...baseConfigShape,
  // Cash limits and assistance amounts are read from the policies in force, kept in memory this long.
  POLICY_CACHE_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  // EVENT_SUBSCRIBERS (unset: reporting alone, at REPORTING_URL), OUTBOX_POLL_MS,
  // OUTBOX_RETENTION_DAYS, OUTBOX_MAX_ATTEMPTS: the outbox's keys, alike in every publisher.
  ...outboxConfigShape,
  // The `service` key presented to enrollment (applying payments) and to event subscribers;
  // without it payments wait as `recorded` and events wait in the outbox.
  SERVICE_API_KEY: z.string().min(1).optional(),
  // The applier: recorded payments are sent to enrollment in batches of this many (at most 500,
  // enrollment's batch limit), polled this often when nothing nudges it.
  APPLY_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(500),
  APPLY_POLL_MS: z.coerce.number().int().min(10).max(600_000).default(2_000),
  // A payment enrollment could not answer (down, busy) is tried again after this, doubling per attempt.
  APPLY_RETRY_MS: z.coerce.number().int().min(10).max(3_600_000).default(5_000),
  // How long one call to enrollment may take before the batch is tried again.
  APPLY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
  // A reconciliation run is one statement over a region's whole year.
  RECONCILE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(1_800_000),
  // IMPORT_SESSIONS, IMPORT_STATEMENT_TIMEOUT_MS, IMPORT_MAX_BYTES, IMPORT_XLSX_*: as enrollment's, for exports.
  ...importConfigShape,
});
export type PaymentConfig = z.infer<typeof PaymentConfigSchema>;

/** The configured subscribers, or by default reporting (funding by channel, cash) at its `/v1/events`. */
export function eventSubscribers(config: PaymentConfig): EventSubscriber[] {
  const base = config.REPORTING_URL.replace(/\/+$/, '');
  return config.EVENT_SUBSCRIBERS ?? [{ name: 'reporting', url: `${base}/v1/events` }];
}
