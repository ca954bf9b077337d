import type { XlsxLimits } from '@rmi/ingest';
import { type EventSubscriber, outboxConfigShape, eventSubscribers as subscribersOrDefault } from '@rmi/outbox';
import { baseConfigShape } from '@rmi/service-kit';
import { z } from 'zod';

export const SubsidyIdentityConfigSchema = z.object({
  ...baseConfigShape,
  // Assistance answers read the policies in force from memory; a load elsewhere is seen after this long.
  POLICY_CACHE_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  // EVENT_SUBSCRIBERS (unset: enrollment at ENROLLMENT_URL and reporting at REPORTING_URL),
  // OUTBOX_POLL_MS, OUTBOX_RETENTION_DAYS, OUTBOX_MAX_ATTEMPTS: the outbox's keys, alike in every publisher.
  ...outboxConfigShape,
  // The `service` key presented to subscribers; without it events wait in the outbox.
  SERVICE_API_KEY: z.string().min(1).optional(),
  // Feed batches computed at once on this replica, each on a session of its own beside the request pool.
  FEED_SESSIONS: z.coerce.number().int().min(1).max(20).default(3),
  // A statement of a batch may run this long: COPY lasts as long as the upload.
  FEED_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(1_800_000),
  // Rosters streamed at once on this replica: each holds a session of its own while its rows are
  // read out of a server-side cursor (ROSTER_STATEMENT_TIMEOUT_MS bounds the query that fills it).
  ROSTER_SESSIONS: z.coerce.number().int().min(1).max(20).default(2),
  ROSTER_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(600_000),
  // A department's list streams to the database, so the limit guards the disk (413 BODY_TOO_LARGE).
  FEED_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(512 * 1024 * 1024),
  // The XLSX reader's bounds (see enrollment's IMPORT_XLSX_* for the reasoning behind each).
  FEED_XLSX_MAX_ENTRIES: z.coerce.number().int().positive().default(1000),
  FEED_XLSX_MAX_INFLATED_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(512 * 1024 * 1024),
  FEED_XLSX_MAX_SHARED_STRINGS_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  FEED_XLSX_MAX_SHARED_STRINGS: z.coerce.number().int().positive().default(1_000_000),
  FEED_XLSX_MAX_ROW_CHARS: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
});
export type SubsidyIdentityConfig = z.infer<typeof SubsidyIdentityConfigSchema>;

/** The bounds of the XLSX reader, from the configuration. */
export function xlsxLimits(config: SubsidyIdentityConfig): XlsxLimits {
  return {
    maxEntries: config.FEED_XLSX_MAX_ENTRIES,
    maxInflatedBytes: config.FEED_XLSX_MAX_INFLATED_BYTES,
    maxSharedStringsBytes: config.FEED_XLSX_MAX_SHARED_STRINGS_BYTES,
    maxSharedStrings: config.FEED_XLSX_MAX_SHARED_STRINGS,
    maxRowChars: config.FEED_XLSX_MAX_ROW_CHARS,
  };
}

/**
 * The configured subscribers, or by default enrollment (deaths) and reporting (the special-group
 * counters), each at its `/v1/events`.
 */
export function eventSubscribers(config: SubsidyIdentityConfig): EventSubscriber[] {
  const at = (base: string) => `${base.replace(/\/+$/, '')}/v1/events`;
  return (
    config.EVENT_SUBSCRIBERS ?? [
      { name: 'enrollment', url: at(config.ENROLLMENT_URL) },
      ...subscribersOrDefault(config, { name: 'reporting', url: at(config.REPORTING_URL) }),
    ]
  );
}
