import { readFileSync } from 'node:fs';
import t from 'tap';
import { BUILT_IN_POLICIES, findPolicy, type PolicyDocument, PolicyDocumentSchema, quoteFrom } from '../src/index.js';

// An operator loads next year's notice as data; no code changes. The numbers in the fixture are
// invented for the test and cite an invented notice, cq-2026-notice.txt.
const N = 'cq-2026-notice.txt';
const cq2026: unknown = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/cq-2026.json', import.meta.url), 'utf8'),
);

t.test('a 2026 document written as data quotes without a code change', async (t) => {
  const doc = PolicyDocumentSchema.parse(cq2026);
  const policies: PolicyDocument[] = [...BUILT_IN_POLICIES, doc];
  const base = { regionCode: '500230209', year: 2026 };

  const concentrated = quoteFrom(policies, { ...base, paidOn: '2025-10-01', lastEnrolledYear: 2025 });
  t.same(
    concentrated.ok && {
      policyId: concentrated.quote.policyId,
      personalFen: concentrated.quote.personalFen,
      benefitStart: concentrated.quote.benefitStart,
    },
    { policyId: 'cq-2026', personalFen: 42000, benefitStart: '2026-01-01' },
    'concentrated period of the new notice',
  );

  const late = quoteFrom(policies, { ...base, paidOn: '2026-06-01', tier: 2, lastEnrolledYear: 2025 });
  t.same(
    late.ok && {
      fiscalSubsidyFen: late.quote.fiscalSubsidyFen,
      personalFen: late.quote.personalFen,
      benefitStart: late.quote.benefitStart,
      waitingDays: late.quote.waitingDays,
    },
    // 60 days (07-31) against 2 months (08-01): the longer wins.
    { fiscalSubsidyFen: 70000, personalFen: 150000, benefitStart: '2026-08-01', waitingDays: 61 },
    'late payment: new cut-off, new wait, new continuity months',
  );

  const gap = quoteFrom(policies, { ...base, paidOn: '2025-10-01', lastEnrolledYear: 2023 });
  t.equal(gap.ok && gap.quote.benefitStart, '2026-02-01', 'two gap years: 2 + 2 months from 2025-10-01');

  const assisted = quoteFrom(policies, { ...base, paidOn: '2026-03-10', identities: ['城乡低保对象'] });
  t.same(
    assisted.ok && {
      assistanceFen: assisted.quote.assistanceFen,
      personalFen: assisted.quote.personalFen,
      benefitStart: assisted.quote.benefitStart,
    },
    { assistanceFen: 37800, personalFen: 4200, benefitStart: '2026-03-10' },
    'new assistance row and a new group without a waiting period',
  );

  const newborn = quoteFrom(policies, { ...base, category: 'newborn', birthDate: '2026-06-10', paidOn: '2026-09-08' });
  t.same(newborn.ok && newborn.quote.personalFen, 42000, 'newborn at birth + 90, personal part only');

  const closed = quoteFrom(policies, { ...base, paidOn: '2026-09-01' });
  t.equal(closed.ok ? null : closed.error.code, 'ENROLLMENT_CLOSED', 'new last payment day');

  const missingYear = quoteFrom(policies, { ...base, year: 2027, paidOn: '2026-10-01' });
  t.equal(missingYear.ok ? null : missingYear.error.code, 'POLICY_NOT_FOUND', 'no 2027 document yet');
});

t.test('a township document overrides the province-wide one for its own area', async (t) => {
  const base = PolicyDocumentSchema.parse(cq2026);
  const variant = structuredClone(cq2026) as Record<string, unknown>;
  // The township's own assistance table is not part of this test; its 90% row would no longer match.
  delete variant.assistance;
  const lizi = PolicyDocumentSchema.parse({
    ...variant,
    id: 'cq-2026-lizi',
    regionCodes: ['500230209'],
    standards: { resident: { tier1Fen: 41000, tier2Fen: 79000, source: `${N}#四(一)` } },
  });
  const policies = [base, lizi];
  t.equal(findPolicy(policies, '500230209', 2026)?.id, 'cq-2026-lizi', 'the township itself');
  t.equal(findPolicy(policies, '500230209001', 2026)?.id, 'cq-2026-lizi', 'a village in the township');
  t.equal(findPolicy(policies, '500230100', 2026)?.id, 'cq-2026', 'another township of Fengdu');
  const r = quoteFrom(policies, { regionCode: '500230209', year: 2026, paidOn: '2025-10-01' });
  t.equal(r.ok && r.quote.personalFen, 41000, 'the quote uses the township document');
});
