import type { PolicySummary } from '@rmi/contracts';
import type { StoredPolicy } from '@rmi/db';

export function toPolicySummary(p: StoredPolicy<unknown>): PolicySummary {
  const doc = p.document as { title?: string; jurisdiction?: string };
  return {
    id: p.id,
    version: p.version,
    year: p.year,
    title: doc.title ?? '',
    jurisdiction: doc.jurisdiction ?? '',
    regionCodes: p.regionCodes,
    origin: p.origin,
    loadedAt: p.loadedAt.toISOString(),
    loadedBy: p.loadedBy,
  };
}
