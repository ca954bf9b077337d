import { chooseAssistance, identityLabel, type PolicyDocument, type Reason } from '@rmi/rules';

export interface AssistanceOnDay {
  year: number;
  tier: 1 | 2;
  policyId: string | null;
  identity: string | null;
  assistanceFen: number | null;
  reasons: Reason[];
}

/**
 * The assistance the identities held on `on` bring under the year's policy, decided by rules
 * (`chooseAssistance`: the highest applies, 就高, 003#五). Null when nothing can be said: no policy
 * covers the village that year, or its assistance table is not loaded (cq-2024 points to an annex
 * the notice does not include).
 */
export function assistanceOnDay(
  policy: PolicyDocument | undefined,
  codes: readonly string[],
  at: { on: string; year: number; tier: 1 | 2; village: string | null },
): AssistanceOnDay {
  const { on, year, tier, village } = at;
  const base = { year, tier };
  if (!policy) {
    return {
      ...base,
      policyId: null,
      identity: null,
      assistanceFen: codes.length === 0 ? 0 : null,
      reasons: [
        {
          rule: 'policy-not-found',
          source: '',
          text:
            village === null
              ? `The person holds no certified identity on ${on}, so no village names a policy: no assistance.`
              : `No policy in force covers village ${village} for ${year}: the assistance cannot be decided.`,
        },
      ],
    };
  }
  const choice = chooseAssistance(policy, codes, tier);
  if (codes.length === 0) {
    return {
      ...base,
      policyId: policy.id,
      identity: null,
      assistanceFen: 0,
      reasons: [
        {
          rule: 'no-identity',
          source: policy.assistance?.source ?? policy.source,
          text: `No department certified an identity held on ${on}: no assistance under ${policy.id}.`,
        },
      ],
    };
  }
  if (choice.tableMissing) {
    return {
      ...base,
      policyId: policy.id,
      identity: null,
      assistanceFen: null,
      reasons: [
        {
          rule: 'assistance-table-missing',
          source: policy.source,
          text: `${policy.id} has no assistance table loaded, so what ${codes.map(identityLabel).join(', ')} bring${codes.length === 1 ? 's' : ''} cannot be said until an operator loads it.`,
        },
      ],
    };
  }
  return {
    ...base,
    policyId: policy.id,
    identity: choice.best?.code ?? null,
    assistanceFen: choice.best?.fen ?? 0,
    reasons: choice.reasons,
  };
}
