import type { XlsxLimits } from '@rmi/ingest';
import { type EventSubscriber, outboxConfigShape, eventSubscribers as subscribersOrDefault } from '@rmi/outbox';
import { baseConfigShape } from '@rmi/service-kit';
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
  // Imports running at once on this replica, each on a session of its own beside the request pool;
  // one more waits DB_ACQUIRE_TIMEOUT_MS, then is answered 503 DATABASE_BUSY.
  IMPORT_SESSIONS: z.coerce.number().int().min(1).max(20).default(3),
  // A statement of an import may run this long: COPY lasts as long as the upload.
  IMPORT_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(1_800_000),
  // Registration files stream to the database, so the limit guards the disk, not the memory.
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(512 * 1024 * 1024),
  // An XLSX upload is a zip of XML: a few megabytes can inflate to gigabytes. The reader stops at
  // the first of these bounds (413 IMPORT_TOO_LARGE). A county's register of 100,000 rows in 12
  // columns, as Excel saves it, is about 70 MB of XML of which about 12 MB are shared strings,
  // in a dozen entries.
  // Entries of the archive; a workbook with a few sheets, styles and pictures has a few dozen.
  IMPORT_XLSX_MAX_ENTRIES: z.coerce.number().int().positive().default(1000),
  // Uncompressed bytes read, a shared string counted again each time a cell uses it: about 800,000
  // such rows. Reading runs at about 20 MB/s, so this also caps the time a file can cost, and a
  // bomb costs no more than the largest workbook accepted honestly.
  IMPORT_XLSX_MAX_INFLATED_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(512 * 1024 * 1024),
  // The shared strings are held in memory while the sheet is read (up to twice their size as
  // JavaScript strings): five times what 100,000 rows need.
  IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  // Distinct shared strings; each costs some 30 bytes beyond its text. 100,000 rows have about
  // 400,000 (names, ID numbers and phones saved as text, household numbers).
  IMPORT_XLSX_MAX_SHARED_STRINGS: z.coerce.number().int().positive().default(1_000_000),
  // Characters of one row's cells together; a row becomes one line of the COPY. A registration
  // row is a few hundred characters; Excel alone would allow 16,384 cells of 32,767 each.
  IMPORT_XLSX_MAX_ROW_CHARS: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
});
export type EnrollmentConfig = z.infer<typeof EnrollmentConfigSchema>;

/** The bounds of the XLSX reader, from the configuration. */
export function xlsxLimits(config: EnrollmentConfig): XlsxLimits {
  return {
    maxEntries: config.IMPORT_XLSX_MAX_ENTRIES,
    maxInflatedBytes: config.IMPORT_XLSX_MAX_INFLATED_BYTES,
    maxSharedStringsBytes: config.IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES,
    maxSharedStrings: config.IMPORT_XLSX_MAX_SHARED_STRINGS,
    maxRowChars: config.IMPORT_XLSX_MAX_ROW_CHARS,
  };
}

/** The configured subscribers, or reporting's `/v1/events` when none are configured. */
export function eventSubscribers(config: EnrollmentConfig): EventSubscriber[] {
  return subscribersOrDefault(config, {
    name: 'reporting',
    url: `${config.REPORTING_URL.replace(/\/+$/, '')}/v1/events`,
  });
}
