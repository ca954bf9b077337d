import {
  BUILT_IN_POLICIES,
  type PolicyDocument,
  PolicyDocumentSchema,
  type QuoteOutcome,
  type QuoteRequest,
  quote,
} from '../src/index.js';

export const SEED = {
  s000: '000_9c4e2275e911b0e9.txt',
  s002: '002_760418c3a3365474.txt',
  s003: '003_01f4ef08c34ea7cb.txt',
  s004: '004_03b4a5a3926dacf5.txt',
} as const;

/** A division code under each built-in policy, as a front desk would send it. */
export const REGION: Record<string, string> = {
  'cq-2023': '500230',
  'cq-2024': '500233',
  'cq-2025': '500230209',
  'xiaoyi-2024': '141181',
};

export function policy(id: string): PolicyDocument {
  const found = BUILT_IN_POLICIES.find((p) => p.id === id);
  if (!found) throw new Error(`no built-in policy ${id}`);
  return found;
}

/** A deep copy with an operator's additions, validated like any loaded document. */
export function withOperatorData(id: string, patch: (doc: PolicyDocument) => void): PolicyDocument {
  const copy = structuredClone(policy(id)) as PolicyDocument;
  patch(copy);
  return PolicyDocumentSchema.parse(copy);
}

export function q(doc: PolicyDocument, request: Partial<QuoteRequest> & { paidOn: string }): QuoteOutcome {
  return quote(doc, { regionCode: REGION[doc.id] ?? doc.regionCodes[0]!.padEnd(6, '0'), year: doc.year, ...request });
}

/** The quote, or a one-line summary of the error, so table rows can compare either. */
export function summary(outcome: QuoteOutcome): Record<string, unknown> {
  if (!outcome.ok) return { code: outcome.error.code, missing: outcome.error.missing };
  const { reasons: _reasons, ...rest } = outcome.quote;
  return rest;
}

export interface Row {
  clause: string;
  doc: PolicyDocument;
  request: Partial<QuoteRequest> & { paidOn: string };
  expect: Record<string, unknown>;
}

/** Compares the fields a row names; the message names the clause the row checks. */
export interface Asserts {
  same(found: unknown, wanted: unknown, message: string): boolean;
}

export function checkRows(t: Asserts, rows: readonly Row[]): void {
  for (const row of rows) {
    const got = summary(q(row.doc, row.request));
    const picked = Object.fromEntries(Object.keys(row.expect).map((k) => [k, got[k]]));
    t.same(picked, row.expect, `${row.clause} ${row.doc.id} ${JSON.stringify(row.request)}`);
  }
}
