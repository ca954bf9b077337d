import { canonicalIdentityOrder, identityLabel, type PolicyDocument, type Reason, resolveIdentities } from '@rmi/rules';
import type { EnrollmentDb } from '../db.js';

/** An identity a department certified the person as holding on the day asked (a spell of subsidy-identity). */
export interface CertifiedIdentity {
  code: string;
  department: string;
  from: string;
  to: string | null;
}

/**
 * The identities the person holds on `day` by the departments' lists, from the view subsidy-identity
 * publishes (contracts/identity-feeds.md, "Published view"). Read through the caller's transaction:
 * a second connection taken while it holds one could wait on the pool for ever under load.
 */
export async function certifiedOn(trx: EnrollmentDb, idNumber: string, day: string): Promise<CertifiedIdentity[]> {
  const rows = await trx
    .selectFrom('identity.v_identity_spells')
    .select(['identity_code', 'department', 'valid_from', 'valid_to'])
    .where('id_number', '=', idNumber)
    .where('valid_from', '<=', day)
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>=', day)]))
    .orderBy('identity_code')
    .orderBy('valid_from')
    .execute();
  // Spells of one identity do not overlap, but one held twice on the day would count once.
  const byCode = new Map<string, CertifiedIdentity>();
  for (const r of rows) {
    if (!byCode.has(r.identity_code)) {
      byCode.set(r.identity_code, {
        code: r.identity_code,
        department: r.department,
        from: r.valid_from,
        to: r.valid_to,
      });
    }
  }
  return canonicalIdentityOrder([...byCode.keys()]).map((code) => byCode.get(code) as CertifiedIdentity);
}

/** What a payment's assistance is decided from: the certified identities and those the body names. */
export interface PaymentIdentities {
  /** Everything quoted: certified codes, then the body's strings as sent (labels are resolved by the quote). */
  quoted: string[];
  /** The union as identity codes, in the order of identity-types.md: what the enrolment keeps. */
  codes: string[];
  certified: CertifiedIdentity[];
  /** Codes only the body names: not certified on the payment day. */
  declared: string[];
}

/**
 * Joins the certified identities with those the payment names. Labels in the body are resolved as
 * the quote resolves them (`resolveIdentities`); a string that is no identity is left in `quoted`
 * for the quote to refuse with UNKNOWN_IDENTITY, as `POST /v1/quotes` does.
 */
export function paymentIdentities(certified: CertifiedIdentity[], named: readonly string[]): PaymentIdentities {
  const certifiedCodes = certified.map((c) => c.code);
  const namedCodes = resolveIdentities(named).codes;
  return {
    quoted: [...certifiedCodes, ...named],
    codes: canonicalIdentityOrder([...certifiedCodes, ...namedCodes]),
    certified,
    declared: canonicalIdentityOrder(namedCodes.filter((c) => !certifiedCodes.includes(c))),
  };
}

/**
 * Reasons that say where each identity of a payment came from, so the payer and the desk can tell a
 * department's certification from a claim of the payer's system. Cited to the clause that fixes the
 * assistance by the identities held when paying (003#五: "按参保缴费时就高身份确定"), or the
 * policy's assistance table where it has no such clause.
 */
export function identityReasons(policy: PolicyDocument, paidOn: string, ids: PaymentIdentities): Reason[] {
  if (ids.codes.length === 0) return [];
  const source = policy.assistance?.highestApplies?.source ?? policy.assistance?.source ?? policy.source;
  const reasons: Reason[] = ids.certified.map((c) => ({
    rule: 'identity-certified',
    source,
    text: `${identityLabel(c.code)} certified by ${c.department}, held on ${paidOn} (from ${c.from}${c.to ? ` to ${c.to}` : ''}).`,
  }));
  for (const code of ids.declared) {
    reasons.push({
      rule: 'identity-declared',
      source,
      text: `${identityLabel(code)} named with the payment; no department certified it for ${paidOn}.`,
    });
  }
  reasons.push({
    rule: 'identities-at-payment',
    source,
    text: `The identities held on the payment day, ${paidOn}, decide the assistance, fixed with the payment: an identity certified later brings no top-up.`,
  });
  return reasons;
}
