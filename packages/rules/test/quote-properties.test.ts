import fc from 'fast-check';
import t from 'tap';
import {
  addDays,
  BUILT_IN_POLICIES,
  IDENTITY_GROUPS,
  IDENTITY_TYPES,
  type PolicyDocument,
  type QuoteRequest,
  quote,
} from '../src/index.js';
import { REGION, withOperatorData } from './helpers.js';

// Completed copies (subsidy amounts an operator would load) let the properties reach late payers
// too; the built-in documents are included as they are.
const POLICIES: PolicyDocument[] = [
  ...BUILT_IN_POLICIES,
  withOperatorData('cq-2023', (d) => {
    d.fiscalSubsidyPerCapitaFen = { value: 61000, source: 'operator.txt#1' };
  }),
  withOperatorData('cq-2025', (d) => {
    d.fiscalSubsidyPerCapitaFen = { value: 70000, source: 'operator.txt#1' };
  }),
  withOperatorData('cq-2024', (d) => {
    d.assistance = {
      source: 'operator.txt#2',
      rows: [
        { identities: ['extreme-poverty'], tier1Fen: 38000, tier2Fen: 38000, source: 'operator.txt#2' },
        { identities: ['subsistence-allowance'], tier1Fen: 34200, tier2Fen: 38000, source: 'operator.txt#2' },
        { identities: ['old-demobilized-soldier'], tier2Fen: 75500, source: 'operator.txt#2' },
      ],
    };
  }),
];

const IDENTITY_STRINGS = [
  ...IDENTITY_TYPES.map((x) => x.code),
  ...IDENTITY_TYPES.map((x) => x.labels[x.labels.length - 1] as string),
  ...Object.keys(IDENTITY_GROUPS),
];

const requestArb = fc
  .record({
    policy: fc.constantFrom(...POLICIES),
    tier: fc.constantFrom<1 | 2>(1, 2),
    category: fc.constantFrom<'resident' | 'college-student' | 'newborn'>('resident', 'college-student', 'newborn'),
    paidOffset: fc.integer({ min: -20, max: 520 }),
    birthOffset: fc.integer({ min: 0, max: 364 }),
    identities: fc.uniqueArray(fc.constantFrom(...IDENTITY_STRINGS), { maxLength: 4 }),
    studentStatus: fc.option(
      fc.constantFrom<'freshman' | 'returning' | 'graduating'>('freshman', 'returning', 'graduating'),
      {
        nil: undefined,
      },
    ),
    lastEnrolledYear: fc.option(fc.integer({ min: 2015, max: 2025 }), { nil: undefined }),
  })
  .map(({ policy, paidOffset, birthOffset, category, ...rest }) => {
    const birthDate = addDays(`${policy.year}-01-01`, birthOffset);
    const paidOn =
      category === 'newborn'
        ? addDays(birthDate, Math.max(paidOffset % 120, 0))
        : addDays(policy.periods.concentrated.from, paidOffset);
    const request: QuoteRequest = {
      regionCode: REGION[policy.id] ?? '500230209',
      year: policy.year,
      category,
      paidOn,
      birthDate: category === 'newborn' ? birthDate : undefined,
      ...rest,
    };
    return { policy, request };
  });

function report<T>(t: { ok(v: unknown, m: string): boolean }, name: string, result: fc.RunDetails<T>) {
  t.ok(!result.failed, result.failed ? `${name}\n${fc.defaultReportMessage(result)}` : name);
}

t.test('personal + assistance + waiver = standard + late subsidy, personal >= 0, all in whole fen', async (t) => {
  let quoted = 0;
  const result = fc.check(
    fc.property(requestArb, ({ policy, request }) => {
      const r = quote(policy, request);
      if (!r.ok) return true;
      quoted++;
      const x = r.quote;
      const amounts = [x.standardFen, x.fiscalSubsidyFen, x.assistanceFen, x.waiverFen, x.personalFen, x.waitingDays];
      return (
        amounts.every((a) => Number.isSafeInteger(a) && a >= 0) &&
        x.personalFen + x.assistanceFen + x.waiverFen === x.standardFen + x.fiscalSubsidyFen &&
        x.benefitStart <= x.benefitEnd &&
        (x.assistanceFen === 0) === (x.assistanceIdentity === null) &&
        x.reasons.length > 0
      );
    }),
    { numRuns: 3000, seed: 20250101 },
  );
  report(t, 'the sum holds for every quote', result);
  t.ok(quoted > 500, `enough generated requests were quotable (${quoted})`);
});

t.test('adding an identity never raises what a person pays', async (t) => {
  const result = fc.check(
    fc.property(requestArb, fc.constantFrom(...IDENTITY_STRINGS), ({ policy, request }, extra) => {
      const without = quote(policy, request);
      const withExtra = quote(policy, { ...request, identities: [...(request.identities ?? []), extra] });
      if (!without.ok || !withExtra.ok) return true;
      return withExtra.quote.personalFen <= without.quote.personalFen;
    }),
    { numRuns: 3000, seed: 20250102 },
  );
  report(t, 'monotone in identities', result);
});

t.test('the answer does not depend on the order of identities', async (t) => {
  const result = fc.check(
    fc.property(requestArb, fc.integer({ min: 0, max: 1000 }), ({ policy, request }, seed) => {
      const ids = [...(request.identities ?? [])];
      const shuffled = ids
        .map((id, i) => ({ id, key: (i * 7919 + seed * 104729) % 1009 }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.id);
      const reversed = [...ids].reverse();
      const a = JSON.stringify(quote(policy, request));
      return (
        a === JSON.stringify(quote(policy, { ...request, identities: shuffled })) &&
        a === JSON.stringify(quote(policy, { ...request, identities: reversed }))
      );
    }),
    { numRuns: 2000, seed: 20250103 },
  );
  report(t, 'order independent', result);
});

t.test('quotes are pure: the same request gives the same answer', async (t) => {
  const result = fc.check(
    fc.property(requestArb, ({ policy, request }) => {
      const first = JSON.stringify(quote(policy, request));
      const second = JSON.stringify(quote(policy, structuredClone(request)));
      return first === second;
    }),
    { numRuns: 300, seed: 20250104 },
  );
  report(t, 'deterministic', result);
});
