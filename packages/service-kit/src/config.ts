import { type CreateDbOptions, SESSION_DEFAULTS } from '@rmi/db';
import { z } from 'zod';

/** Raised once at start-up with every bad key, so an operator fixes the environment in one go. */
export class ConfigError extends Error {
  constructor(readonly issues: ReadonlyArray<{ key: string; message: string }>) {
    super(`invalid configuration:\n${issues.map((i) => `  ${i.key}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const url = z.url({ protocol: /^https?$/ });

/** Keys every service reads. Services extend this with their own. */
export const baseConfigShape = {
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(1200),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  // A request waits this long for a pool connection, then is answered 503 DATABASE_BUSY: a stuck or
  // saturated pool sheds load instead of queueing every request behind it (0 waits for ever).
  DB_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(SESSION_DEFAULTS.acquireTimeoutMs),
  // No statement of a request runs longer (bulk imports have their own, longer limit).
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(SESSION_DEFAULTS.statementTimeoutMs),
  // The server ends a session left idle inside a transaction this long, releasing its locks.
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(SESSION_DEFAULTS.idleInTransactionTimeoutMs),
  // /ready answers 503 after this long instead of hanging on a busy or unreachable database.
  READY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  // How long a service trusts an API key it has looked up; a key revoked on another service stops
  // working there after at most this long (0 looks every key up on every request).
  AUTH_CACHE_MS: z.coerce.number().int().min(0).max(300_000).default(5_000),
  // Requests without a valid key (none, unknown, revoked) one address may send a minute; past it
  // they are refused with 429 before any key is looked up.
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().positive().default(60),
  ENROLLMENT_PORT: port(3001),
  SUBSIDY_IDENTITY_PORT: port(3002),
  PAYMENT_RECONCILIATION_PORT: port(3003),
  REPORTING_PORT: port(3004),
  ENROLLMENT_URL: url.default('http://127.0.0.1:3001'),
  SUBSIDY_IDENTITY_URL: url.default('http://127.0.0.1:3002'),
  PAYMENT_RECONCILIATION_URL: url.default('http://127.0.0.1:3003'),
  REPORTING_URL: url.default('http://127.0.0.1:3004'),
};

/**
 * The bounds of a service that imports files (registrations, payment exports): its sessions, how
 * long their statements may run, the size of an upload and the XLSX reader's bounds.
 */
export const importConfigShape = {
  // Imports running at once on this replica, each on a session of its own beside the request pool;
  // one more waits DB_ACQUIRE_TIMEOUT_MS, then is answered 503 DATABASE_BUSY.
  IMPORT_SESSIONS: z.coerce.number().int().min(1).max(20).default(3),
  // A statement of an import may run this long: COPY lasts as long as the upload.
  IMPORT_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(1_800_000),
  // Uploads stream to the database, so the limit guards the disk, not the memory.
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
};

/** The XLSX reader's bounds (ingest's `XlsxLimits`) from a configuration with `importConfigShape`. */
export function importXlsxLimits(config: {
  IMPORT_XLSX_MAX_ENTRIES: number;
  IMPORT_XLSX_MAX_INFLATED_BYTES: number;
  IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES: number;
  IMPORT_XLSX_MAX_SHARED_STRINGS: number;
  IMPORT_XLSX_MAX_ROW_CHARS: number;
}) {
  return {
    maxEntries: config.IMPORT_XLSX_MAX_ENTRIES,
    maxInflatedBytes: config.IMPORT_XLSX_MAX_INFLATED_BYTES,
    maxSharedStringsBytes: config.IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES,
    maxSharedStrings: config.IMPORT_XLSX_MAX_SHARED_STRINGS,
    maxRowChars: config.IMPORT_XLSX_MAX_ROW_CHARS,
  };
}

export const BaseConfigSchema = z.object(baseConfigShape);
export type BaseConfig = z.infer<typeof BaseConfigSchema>;

/**
 * Parses the environment (or a test's object) once into a frozen config. Empty strings count as
 * unset, so `FOO=` in an env file falls back to the default instead of failing as "".
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Readonly<z.infer<S>> {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ key: i.path.join('.') || '(root)', message: i.message })));
  }
  return Object.freeze(parsed.data);
}

/** The pool and session settings of a service's database connections, from its configuration. */
export function databaseOptions(config: BaseConfig, applicationName: string): CreateDbOptions {
  return {
    max: config.DB_POOL_SIZE,
    applicationName,
    acquireTimeoutMs: config.DB_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}
