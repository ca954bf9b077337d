import type { Db } from '@rmi/db';
import { createApiKeysRepository } from '@rmi/service-kit';

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
