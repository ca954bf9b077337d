import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Kysely, type Migration, type MigrationProvider, type MigrationResult, Migrator } from 'kysely';

/** Repository-level `migrations/` folder: timestamp-named kysely migrations, frozen once landed. */
export const migrationsFolder = fileURLToPath(new URL('../../../migrations/', import.meta.url));

export const SCHEMAS = ['core', 'enrollment', 'identity', 'payment', 'reporting'] as const;

/** Loads `.ts` (dev, under tsx) or `.js` (compiled) migration files, sorted by their timestamp names. */
class FolderMigrationProvider implements MigrationProvider {
  constructor(private readonly folder: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    for (const file of await migrationFileNames(this.folder)) {
      const mod = (await import(pathToFileURL(path.join(this.folder, file)).href)) as Migration;
      migrations[file.replace(/\.(ts|js)$/, '')] = mod;
    }
    return migrations;
  }
}

export async function migrationFileNames(folder = migrationsFolder): Promise<string[]> {
  const files = await fs.readdir(folder);
  return files.filter((f) => /^\d{14}_[a-z0-9-]+\.(ts|js)$/.test(f)).sort();
}

function migratorFor(db: Kysely<any>, folder: string): Migrator {
  // The bookkeeping table lives in `core`, beside the rest of the shared administration data.
  return new Migrator({
    db,
    provider: new FolderMigrationProvider(folder),
    migrationTableSchema: 'core',
  });
}

export class MigrationError extends Error {
  constructor(
    readonly migration: string | undefined,
    options: { cause: unknown },
  ) {
    super(`migration ${migration ?? '(unknown)'} failed`, options);
    this.name = 'MigrationError';
  }
}

/** Brings the database to the latest migration; running it again applies nothing. */
export async function migrate(db: Kysely<any>, folder = migrationsFolder): Promise<MigrationResult[]> {
  const { error, results = [] } = await migratorFor(db, folder).migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    throw new MigrationError(failed?.migrationName, { cause: error });
  }
  return results;
}

/** Names of migrations on disk that the database has not run yet (empty when current). */
export async function pendingMigrations(db: Kysely<any>, folder = migrationsFolder): Promise<string[]> {
  const all = await migratorFor(db, folder).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
