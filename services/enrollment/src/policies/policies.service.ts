import type { PolicyLoadResult, PolicySummary, PolicyVersion } from '@rmi/contracts';
import { createPolicyStore } from '@rmi/db';
import { PolicyDocumentSchema } from '@rmi/rules';
import type { PolicyCatalog } from '@rmi/service-kit';
import { type Actor, ConflictError, NotFoundError, UnprocessableError } from '@rmi/service-kit';
import { asSharedDb, type RunChange } from '../db.js';
import { toPolicySummary } from './policy-view.js';

const policyNotFound = (id: string) => new NotFoundError('POLICY_NOT_FOUND', `No policy document ${id}.`);

/**
 * Policy documents, one per (jurisdiction, year), loaded without a release. Reading them is open
 * to all: they restate published notices and hold no personal data.
 */
export function createPoliciesService(deps: { change: RunChange; catalog: PolicyCatalog }) {
  const { change, catalog } = deps;
  const { store } = catalog;

  return Object.freeze({
    /** The documents in force (the latest version of each id), of one year or all. */
    async list(year?: number): Promise<PolicySummary[]> {
      const rows = await store.inForce();
      return rows.filter((p) => year === undefined || p.year === year).map(toPolicySummary);
    },

    /** One document: the version in force, or the version asked for. */
    async get(id: string, version?: number): Promise<PolicyVersion> {
      const versions = await store.versions(id);
      const latest = versions[0];
      if (!latest) throw policyNotFound(id);
      const chosen = version === undefined ? latest : versions.find((v) => v.version === version);
      if (!chosen) {
        throw new NotFoundError('POLICY_VERSION_NOT_FOUND', `Policy ${id} has versions 1 to ${latest.version}.`);
      }
      return {
        ...toPolicySummary(chosen),
        inForce: chosen.version === latest.version,
        document: chosen.document as Record<string, unknown>,
      };
    },

    /** Every version of a document, newest first. */
    async versions(id: string): Promise<PolicySummary[]> {
      const versions = await store.versions(id);
      if (versions.length === 0) throw policyNotFound(id);
      return versions.map(toPolicySummary);
    },

    /**
     * Loads a document and puts it in force at once, keeping the previous version; a document
     * identical to the one in force changes nothing (created false).
     */
    async load(actor: Actor, document: unknown): Promise<PolicyLoadResult> {
      const parsed = PolicyDocumentSchema.safeParse(document);
      if (!parsed.success) {
        const errors = parsed.error.issues.map((i) => ({
          path: ['body', ...i.path.map(String)].join('.'),
          message: i.message,
          code: i.code,
        }));
        throw new UnprocessableError(
          'POLICY_INVALID',
          `The policy document has ${errors.length} problem(s); nothing was loaded.`,
          { errors },
        );
      }
      const doc = parsed.data;
      // Two documents naming the same region for the same year would make the choice depend on
      // load order. A more specific region (a township inside a province-wide document) is fine.
      // Read before the transaction opens, like every read of the policies (policy-catalog.ts).
      const clashes = (await store.inForce())
        .filter((p) => p.id !== doc.id && p.year === doc.year)
        .filter((p) => p.regionCodes.some((code) => doc.regionCodes.includes(code)))
        .map((p) => p.id);
      if (clashes.length > 0) {
        throw new ConflictError(
          'POLICY_OVERLAP',
          `${clashes.join(', ')} already cover(s) one of ${doc.regionCodes.join(', ')} in ${doc.year}; load a new version of that id instead.`,
          { policies: clashes },
        );
      }
      const result = await change(actor, async ({ trx, audit }) => {
        const stored = await createPolicyStore(asSharedDb(trx)).store(doc, { origin: 'api', loadedBy: actor.keyId });
        if (stored.created) {
          audit({
            action: 'policy.load',
            entity: 'policy',
            entityId: `${doc.id}@${stored.version}`,
            details: { year: doc.year, regionCodes: doc.regionCodes },
          });
        }
        return stored;
      });
      catalog.forget();
      return { id: doc.id, ...result };
    },
  });
}

export type PoliciesService = ReturnType<typeof createPoliciesService>;
