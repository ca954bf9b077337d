import { type EventSubscriber, outboxConfigShape, eventSubscribers as subscribersOrDefault } from '@rmi/outbox';
import { baseConfigShape, importConfigShape } from '@rmi/service-kit';
import { z } from 'zod';

export type { EventSubscriber } from '@rmi/outbox';

export const EnrollmentConfigSchema = z.object({
  ...baseConfigShape,
  // Quotes read the policies in force from memory; a document loaded through another replica is
  // seen here after at most this long (a load through this one is seen at once).
  POLICY_CACHE_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  // EVENT_SUBSCRIBERS (unset: reporting alone, at REPORTING_URL), OUTBOX_POLL_MS,
  // OUTBOX_RETENTION_DAYS, OUTBOX_MAX_ATTEMPTS: the outbox's keys, alike in every publisher.
  ...outboxConfigShape,
  // The `service` key presented to subscribers. Without it the worker does not start: events are
  // still recorded, and wait in the outbox for a replica that has a key.
  SERVICE_API_KEY: z.string().min(1).optional(),
  // IMPORT_SESSIONS, IMPORT_STATEMENT_TIMEOUT_MS, IMPORT_MAX_BYTES, IMPORT_XLSX_*: an upload's bounds,
  // alike in every service that imports files.
  ...importConfigShape,
});
export type EnrollmentConfig = z.infer<typeof EnrollmentConfigSchema>;

/** The configured subscribers, or reporting's `/v1/events` when none are configured. */
export function eventSubscribers(config: EnrollmentConfig): EventSubscriber[] {
  return subscribersOrDefault(config, {
    name: 'reporting',
    url: `${config.REPORTING_URL.replace(/\/+$/, '')}/v1/events`,
  });
}
