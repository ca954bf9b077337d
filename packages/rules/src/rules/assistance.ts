import { IDENTITY_TYPES, identityType } from '../identity-types.js';
import type { PolicyDocument } from '../policy/schema.js';
import { type Reason, yuan } from './reason.js';

const ORDER = new Map(IDENTITY_TYPES.map((t, i) => [t.code, i]));

/** Identity codes in the order of identity-types.md, so answers never depend on input order. */
export function canonicalIdentityOrder(codes: readonly string[]): string[] {
  return [...new Set(codes)].sort((a, b) => (ORDER.get(a) ?? 1e9) - (ORDER.get(b) ?? 1e9) || a.localeCompare(b));
}

/** `在乡老复员军人 (old-demobilized-soldier)`: the printed label, then the code. */
export function identityLabel(code: string): string {
  const t = identityType(code);
  return t ? `${t.labels[0]} (${code})` : code;
}

export interface AssistanceChoice {
  /** The policy has no assistance table although the person holds identities. */
  tableMissing: boolean;
  best: { code: string; fen: number; source: string } | null;
  /** Identities the table assists only in the other tier (老复员军人 and 遗属 only in tier 2). */
  otherTierOnly: string[];
  reasons: Reason[];
}

interface Candidate {
  code: string;
  fen: number;
  row: number;
  position: number;
  source: string;
}

/**
 * The assistance the person's identities bring under `policy` in `tier`: the highest amount wins
 * (就高); equal amounts go to the identity whose row comes first in the document, then to the code
 * listed first in that row, so the choice is the same whatever order the identities arrive in.
 */
export function chooseAssistance(policy: PolicyDocument, codes: readonly string[], tier: 1 | 2): AssistanceChoice {
  const reasons: Reason[] = [];
  const otherTierOnly: string[] = [];
  if (codes.length === 0) return { tableMissing: false, best: null, otherTierOnly, reasons };
  const table = policy.assistance;
  if (!table) return { tableMissing: true, best: null, otherTierOnly, reasons };

  const candidates: Candidate[] = [];
  for (const code of canonicalIdentityOrder(codes)) {
    const row = table.rows.findIndex((r) => r.identities.includes(code));
    const found = table.rows[row];
    if (!found) {
      reasons.push({
        rule: 'assistance-not-listed',
        source: table.source,
        text: `${identityLabel(code)} is not in this policy's assistance table: it brings no assistance under ${policy.id}.`,
      });
      continue;
    }
    const fen = tier === 1 ? found.tier1Fen : found.tier2Fen;
    if (fen === undefined) {
      const other = tier === 1 ? 2 : 1;
      reasons.push({
        rule: 'assistance-other-tier',
        source: found.source,
        text: `${identityLabel(code)} is assisted only in tier ${other}; in tier ${tier} it brings no assistance.`,
      });
      otherTierOnly.push(code);
      continue;
    }
    candidates.push({ code, fen, row, position: found.identities.indexOf(code), source: found.source });
  }
  candidates.sort((a, b) => b.fen - a.fen || a.row - b.row || a.position - b.position);
  const best = candidates[0];
  if (!best) return { tableMissing: false, best: null, otherTierOnly, reasons };

  reasons.push({
    rule: 'assistance',
    source: best.source,
    text: `${identityLabel(best.code)} is assisted with ${yuan(best.fen)} in tier ${tier}.`,
  });
  if (candidates.length > 1) {
    const others = candidates
      .slice(1)
      .map((c) => `${identityLabel(c.code)} ${yuan(c.fen)}`)
      .join(', ');
    reasons.push(
      table.highestApplies
        ? {
            rule: 'highest-applies',
            source: table.highestApplies.source,
            text: `Several identities: the highest assistance applies (就高), ${identityLabel(best.code)}, over ${others}; assistance is never added up, and a later change of identity brings no top-up or claw-back.`,
          }
        : {
            rule: 'highest-applies',
            source: best.source,
            text: `Several identities: this policy does not say how they combine, so the highest assistance applies, ${identityLabel(best.code)}, over ${others}; assistance is never added up.`,
          },
    );
  }
  return {
    tableMissing: false,
    best: { code: best.code, fen: best.fen, source: best.source },
    otherTierOnly,
    reasons,
  };
}

/** The assistance rows as a lookup by identity code, for services that show or check one identity. */
export function assistanceTable(
  policy: PolicyDocument,
): Record<string, { tier1Fen?: number; tier2Fen?: number; source: string }> | undefined {
  if (!policy.assistance) return undefined;
  const table: Record<string, { tier1Fen?: number; tier2Fen?: number; source: string }> = {};
  for (const row of policy.assistance.rows) {
    for (const code of row.identities)
      table[code] = { tier1Fen: row.tier1Fen, tier2Fen: row.tier2Fen, source: row.source };
  }
  return table;
}
