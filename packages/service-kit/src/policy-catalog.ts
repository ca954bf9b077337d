import { createPolicyStore, type Db, type StoredPolicy } from '@rmi/db';
import { type PolicyDocument, PolicyDocumentSchema } from '@rmi/rules';
import type { Kysely } from 'kysely';

export interface PolicyInForce {
  stored: StoredPolicy<PolicyDocument>;
  document: PolicyDocument;
}

/**
 * The policy documents in force, held in memory for `ttlMs` so a quote costs no query. Loads
 * through this process call `forget()`; another replica's load is seen when the cache expires.
 * A stored document that no longer satisfies the schema (written by an older release) is left
 * out and logged rather than quoted against.
 */
export function createPolicyCatalog(
  // Any service's narrowed database: the store reads and writes only `core.policies`.
  db: Kysely<any>,
  opts: { ttlMs: number; log: { error(details: object, message: string): void } },
) {
  const store = createPolicyStore(db as Db);
  let cached: { policies: PolicyInForce[]; documents: PolicyDocument[]; until: number } | undefined;
  let pending: Promise<NonNullable<typeof cached>> | undefined;

  async function load(): Promise<PolicyInForce[]> {
    const rows = await store.inForce<unknown>();
    const policies: PolicyInForce[] = [];
    for (const row of rows) {
      const parsed = PolicyDocumentSchema.safeParse(row.document);
      if (parsed.success) {
        policies.push({ stored: { ...row, document: parsed.data }, document: parsed.data });
      } else {
        opts.log.error(
          { policy: row.id, version: row.version, issues: parsed.error.issues.length },
          'stored policy document does not satisfy the schema; it is not used',
        );
      }
    }
    return policies;
  }

  async function current(): Promise<NonNullable<typeof cached>> {
    if (cached && cached.until > Date.now()) return cached;
    // Concurrent callers after expiry share one query.
    pending ??= load()
      .then((policies) => {
        cached = { policies, documents: policies.map((p) => p.document), until: Date.now() + opts.ttlMs };
        return cached;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  }

  return {
    store,
    inForce: async (): Promise<PolicyInForce[]> => (await current()).policies,
    documents: async (): Promise<PolicyDocument[]> => (await current()).documents,

    forget(): void {
      cached = undefined;
    },
  };
}

export type PolicyCatalog = ReturnType<typeof createPolicyCatalog>;
