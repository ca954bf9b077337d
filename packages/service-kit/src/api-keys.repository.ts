import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '@rmi/contracts';
import type { Db } from '@rmi/db';

export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  regionCode: string | null;
  department: string | null;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** `rmi_` + 32 url-safe characters (192 bits); the first 8 after the prefix identify it in lists. */
export function generateKey(): { key: string; prefix: string } {
  const secret = randomBytes(24).toString('base64url');
  return { key: `rmi_${secret}`, prefix: `rmi_${secret.slice(0, 8)}` };
}

export function createApiKeysRepository(db: Db) {
  const findByHash = (hash: string) =>
    db
      .selectFrom('core.api_keys')
      .select(['id', 'name', 'role', 'region_code', 'department', 'revoked_at'])
      .where('key_hash', '=', hash)
      .executeTakeFirst();
  return {
    findByHash,

    /** Cheap and racy on purpose: a last-used stamp at minute precision is all an admin needs. */
    async touch(id: string): Promise<void> {
      await db
        .updateTable('core.api_keys')
        .set({ last_used_at: new Date() })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', new Date(Date.now() - 60_000))]))
        .execute();
    },

    async create(input: {
      name: string;
      role: Role;
      regionCode?: string | null;
      department?: string | null;
      createdBy?: string | null;
    }) {
      const { key, prefix } = generateKey();
      const row = await db
        .insertInto('core.api_keys')
        .values({
          name: input.name,
          role: input.role,
          region_code: input.regionCode ?? null,
          department: input.department ?? null,
          key_hash: hashKey(key),
          key_prefix: prefix,
          created_by: input.createdBy ?? null,
        })
        .returning(['id', 'name', 'role', 'region_code', 'department', 'created_at'])
        .executeTakeFirstOrThrow();
      return { ...row, key };
    },

    async list() {
      return db
        .selectFrom('core.api_keys')
        .select([
          'id',
          'name',
          'role',
          'region_code',
          'department',
          'key_prefix',
          'created_at',
          'revoked_at',
          'last_used_at',
        ])
        .orderBy('created_at')
        .execute();
    },

    async revoke(id: string) {
      return db
        .updateTable('core.api_keys')
        .set({ revoked_at: new Date() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .returning(['id'])
        .executeTakeFirst();
    },

    async exists(id: string): Promise<boolean> {
      const row = await db.selectFrom('core.api_keys').select('id').where('id', '=', id).executeTakeFirst();
      return row !== undefined;
    },

    async countActiveAdmins(): Promise<number> {
      const row = await db
        .selectFrom('core.api_keys')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('role', '=', 'admin')
        .where('revoked_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type ApiKeysRepository = ReturnType<typeof createApiKeysRepository>;
