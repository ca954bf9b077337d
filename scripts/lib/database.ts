import path from 'node:path';
import { createDb, type Db, type EmbeddedServer, ensureDatabase, startEmbeddedPostgres } from '@rmi/db';

export const root = path.resolve(import.meta.dirname, '..', '..');
export const dataDir = path.join(root, '.data');

export interface Target {
  url: string;
  db: Db;
  embedded: EmbeddedServer | null;
  close(): Promise<void>;
}

/**
 * DATABASE_URL when set; otherwise the embedded server under .data/pg (created on first use,
 * reused afterwards) with an application database `rmi`.
 */
export async function openTarget(
  options: { log?: (line: string) => void; database?: string; ownProcessGroup?: boolean } = {},
): Promise<Target> {
  const external = process.env.DATABASE_URL;
  if (external) {
    const db = createDb(external, { max: 4 });
    return { url: external, db, embedded: null, close: () => db.destroy() };
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, 'pg'),
    port: Number(process.env.EMBEDDED_PG_PORT ?? 0),
    onLog: options.log,
    ownProcessGroup: options.ownProcessGroup,
  });
  const url = await ensureDatabase(embedded.adminUrl, options.database ?? 'rmi');
  const db = createDb(url, { max: 4 });
  return {
    url,
    db,
    embedded,
    async close() {
      await db.destroy();
      await embedded.stop();
    },
  };
}
