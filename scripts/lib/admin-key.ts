import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '@rmi/db';
import { createApiKeysRepository } from '@rmi/service-kit';

/**
 * Creates the first admin key when the database has none. The key is returned once and written
 * owner-only to `file` so local scripts can use it; it is never stored in clear anywhere else.
 */
export async function ensureAdminKey(db: Db, file: string | null): Promise<{ created: boolean; key?: string }> {
  const keys = createApiKeysRepository(db);
  if ((await keys.countActiveAdmins()) > 0) return { created: false };
  const { key } = await keys.create({ name: 'first admin (created at first start)', role: 'admin' });
  if (file) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${key}\n`, { mode: 0o600 });
  }
  return { created: true, key };
}

export const hasKeyFile = (file: string) => existsSync(file);

/**
 * A read-only `dashboard` key for the demo county, written owner-only to `file` on first start so
 * `/dashboard` can be opened at once. Created again when the file is gone (keys are stored hashed).
 */
export async function ensureDashboardKey(db: Db, file: string, regionCode: string): Promise<{ created: boolean }> {
  if (existsSync(file)) return { created: false };
  const { key } = await createApiKeysRepository(db).create({
    name: `dashboard ${regionCode} (created at first start)`,
    role: 'dashboard',
    regionCode,
  });
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return { created: true };
}
