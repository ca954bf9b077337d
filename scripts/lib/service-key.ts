import type { Db } from '@rmi/db';
import { createApiKeysRepository, hashKey } from '@rmi/service-kit';

export const INTERNAL_KEY_NAME = 'internal services (pnpm start)';

/**
 * A fresh `service` key for the calls the services make to each other, handed to them in their
 * environment and never written down. The previous start's key is revoked in the same
 * transaction: it lived only in processes that have exited, and keys of that name would otherwise
 * pile up, one per start.
 */
export async function rotateInternalServiceKey(db: Db): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await trx
      .updateTable('core.api_keys')
      .set({ revoked_at: new Date() })
      .where('name', '=', INTERNAL_KEY_NAME)
      .where('role', '=', 'service')
      .where('revoked_at', 'is', null)
      .execute();
    const { key } = await createApiKeysRepository(trx).create({ name: INTERNAL_KEY_NAME, role: 'service' });
    return key;
  });
}

export const DEPLOYMENT_KEY_NAME = 'internal services (deployment)';

/**
 * Registers a service key chosen by the operator (containers share it through their environment):
 * its hash is stored once; a changed key replaces the previous one, which is revoked.
 */
export async function registerServiceKey(db: Db, key: string): Promise<'registered' | 'unchanged'> {
  const hash = hashKey(key);
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('core.api_keys')
      .select('id')
      .where('key_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (existing) return 'unchanged';
    await trx
      .updateTable('core.api_keys')
      .set({ revoked_at: new Date() })
      .where('name', '=', DEPLOYMENT_KEY_NAME)
      .where('revoked_at', 'is', null)
      .execute();
    await trx
      .insertInto('core.api_keys')
      .values({ name: DEPLOYMENT_KEY_NAME, role: 'service', key_hash: hash, key_prefix: key.slice(0, 12) })
      .execute();
    return 'registered';
  });
}
