import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type Db, SESSION_DEFAULTS } from './create-db.js';

/**
 * Per-test-file databases. `pnpm test` (scripts/test.ts) migrates and seeds one template database
 * and exports its coordinates; every test file then clones it, so files run in parallel without
 * seeing each other's rows.
 */
export const TEST_ENV = {
  adminUrl: 'RMI_TEST_ADMIN_URL',
  template: 'RMI_TEST_TEMPLATE',
} as const;

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  readonly db: Db;
  /** Closes the pool and drops the database. */
  destroy(): Promise<void>;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function onAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env[TEST_ENV.adminUrl];
  const template = process.env[TEST_ENV.template];
  if (!adminUrl || !template) {
    throw new Error(
      `${TEST_ENV.adminUrl} and ${TEST_ENV.template} are unset: run tests through \`pnpm test\`, which prepares the template database`,
    );
  }
  const name = `${template}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await onAdmin(adminUrl, async (c) => {
    await c.query(`create database ${c.escapeIdentifier(name)} template ${c.escapeIdentifier(template)}`);
  });
  const url = withDatabase(adminUrl, name);
  // The sessions a service gets, so tests meet the same timeouts.
  const db = createDb(url, { ...SESSION_DEFAULTS, max: 5, applicationName: 'rmi-test' });
  return {
    url,
    name,
    db,
    async destroy() {
      await db.destroy();
      await dropDatabase(adminUrl, name);
    },
  };
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await onAdmin(adminUrl, async (c) => {
    await c.query(`drop database if exists ${c.escapeIdentifier(name)} with (force)`);
  });
}

export async function recreateDatabase(adminUrl: string, name: string): Promise<string> {
  await dropDatabase(adminUrl, name);
  await onAdmin(adminUrl, async (c) => {
    await c.query(`create database ${c.escapeIdentifier(name)}`);
  });
  return withDatabase(adminUrl, name);
}

/** Names of databases that start with `prefix` (leftovers of interrupted runs). */
export async function listDatabases(adminUrl: string, prefix: string): Promise<string[]> {
  return onAdmin(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'select datname from pg_database where starts_with(datname, $1)',
      [prefix],
    );
    return rows.map((r) => r.datname);
  });
}

/** Creates the database unless it exists; returns its URL. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  await onAdmin(adminUrl, async (c) => {
    const { rowCount } = await c.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await c.query(`create database ${c.escapeIdentifier(name)}`);
  });
  return withDatabase(adminUrl, name);
}
