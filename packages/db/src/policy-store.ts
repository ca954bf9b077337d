import { sql } from 'kysely';
import type { Db } from './create-db.js';

/** What the store needs of a policy document; the rules package owns its full shape. */
export interface StorablePolicy {
  id: string;
  year: number;
  regionCodes: string[];
}

export interface StoredPolicy<D = unknown> {
  id: string;
  version: number;
  year: number;
  regionCodes: string[];
  document: D;
  loadedAt: Date;
  loadedBy: string | null;
  origin: 'built-in' | 'api';
}

type Row = {
  id: string;
  version: number;
  year: number;
  region_codes: string[];
  document: unknown;
  loaded_at: Date;
  loaded_by: string | null;
  origin: 'built-in' | 'api';
};

const toStored = <D>(r: Row): StoredPolicy<D> => ({
  id: r.id,
  version: r.version,
  year: r.year,
  regionCodes: r.region_codes,
  document: r.document as D,
  loadedAt: r.loaded_at,
  loadedBy: r.loaded_by,
  origin: r.origin,
});

/**
 * Versioned policy documents in `core.policies`. The highest version of an id is in force; a load
 * identical to the version in force adds nothing, so loading the built-ins at every start is free.
 */
export function createPolicyStore(db: Db) {
  const columns = ['id', 'version', 'year', 'region_codes', 'document', 'loaded_at', 'loaded_by', 'origin'] as const;
  return {
    async inForce<D = unknown>(): Promise<StoredPolicy<D>[]> {
      const rows = await db
        .selectFrom('core.policies as p')
        .select(columns.map((c) => `p.${c}` as const))
        .where(({ eb, selectFrom }) =>
          eb(
            'p.version',
            '=',
            selectFrom('core.policies as q')
              .select((e) => e.fn.max('q.version').as('v'))
              .whereRef('q.id', '=', 'p.id'),
          ),
        )
        .orderBy('p.year')
        .orderBy('p.id')
        .execute();
      return rows.map((r) => toStored<D>(r as Row));
    },

    async versions<D = unknown>(id: string): Promise<StoredPolicy<D>[]> {
      const rows = await db
        .selectFrom('core.policies')
        .select(columns)
        .where('id', '=', id)
        .orderBy('version', 'desc')
        .execute();
      return rows.map((r) => toStored<D>(r as Row));
    },

    /**
     * Stores a new version unless the one in force is identical. Serialised per id by an advisory
     * lock. A built-in document never replaces one an operator loaded through the API: the release
     * ships last year's reading, the county may have corrected it since.
     */
    async store(
      doc: StorablePolicy,
      meta: { origin: 'built-in' | 'api'; loadedBy?: string | null },
    ): Promise<{ version: number; created: boolean }> {
      // Inside a caller's transaction (so its audit row commits with the load), or in one of its own.
      const inTransaction = <T>(fn: (trx: Db) => Promise<T>) =>
        db.isTransaction ? fn(db) : db.transaction().execute(fn);
      return inTransaction(async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${`policy:${doc.id}`}))`.execute(trx);
        const latest = await trx
          .selectFrom('core.policies')
          .select(['version', 'origin', sql<boolean>`document = ${JSON.stringify(doc)}::jsonb`.as('same')])
          .where('id', '=', doc.id)
          .orderBy('version', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (latest?.same) return { version: latest.version, created: false };
        if (latest && meta.origin === 'built-in' && latest.origin === 'api') {
          return { version: latest.version, created: false };
        }
        const version = (latest?.version ?? 0) + 1;
        await trx
          .insertInto('core.policies')
          .values({
            id: doc.id,
            version,
            year: doc.year,
            region_codes: doc.regionCodes,
            document: JSON.stringify(doc),
            loaded_by: meta.loadedBy ?? null,
            origin: meta.origin,
          })
          .execute();
        return { version, created: true };
      });
    },
  };
}

export type PolicyStore = ReturnType<typeof createPolicyStore>;
