import t from 'tap';
import { setup } from './helpers.js';

// contracts/quote.md over HTTP, against the built-in documents loaded by prepareDatabase.
const { app } = await setup(t);
const LIZI = '500230209';
const XIAOYI = '141181';

const quote = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/quotes', payload });

t.test('003#四(一), 003#五, 003#六: a 低保 resident paying in the concentrated period, no key needed', async (t) => {
  const res = await quote({ regionCode: LIZI, year: 2025, paidOn: '2024-10-15', identities: ['城乡低保对象'] });
  t.equal(res.statusCode, 200);
  const q = res.json();
  t.match(q, {
    policyId: 'cq-2025',
    standardFen: 40000,
    fiscalSubsidyFen: 0,
    assistanceFen: 36000,
    assistanceIdentity: 'subsistence-allowance',
    waiverFen: 0,
    personalFen: 4000,
    benefitStart: '2025-01-01',
    benefitEnd: '2025-12-31',
    waitingDays: 0,
  });
  t.ok(
    q.reasons.some((r: { source: string }) => r.source.startsWith('003_01f4ef08c34ea7cb.txt#五')),
    'the assistance reason cites 003#五',
  );
});

t.test('003#五 就高: of several identities the highest assistance applies, in any order', async (t) => {
  const a = (
    await quote({ regionCode: LIZI, year: 2025, paidOn: '2024-10-15', identities: ['稳定脱贫人口', '特困人员'] })
  ).json();
  const b = (
    await quote({
      regionCode: LIZI,
      year: 2025,
      paidOn: '2024-10-15',
      identities: ['extreme-poverty', 'stable-out-of-poverty'],
    })
  ).json();
  t.match(a, { assistanceFen: 40000, assistanceIdentity: 'extreme-poverty', personalFen: 0 });
  t.same(a, b);
});

t.test(
  '003#三, 003#六: paying after the subsidy cut-off adds the fiscal subsidy when the policy states it',
  async (t) => {
    // The 2025 notice states no per-capita fiscal subsidy for 2025: the quote refuses to guess.
    const res = await quote({ regionCode: LIZI, year: 2025, paidOn: '2025-07-10' });
    t.equal(res.statusCode, 422);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.match(res.json(), { code: 'POLICY_INCOMPLETE' });
    t.ok(res.json().missing.length > 0, 'names what an operator must load');
  },
);

t.test('004#2, 004#3: Xiaoyi collects on days 1–25 and has a single tier', async (t) => {
  const ok = await quote({ regionCode: XIAOYI, year: 2024, paidOn: '2023-10-25', identities: ['监测对象'] });
  t.equal(ok.statusCode, 200);
  t.match(ok.json(), { policyId: 'xiaoyi-2024', standardFen: 38000, assistanceFen: 28000, personalFen: 10000 });
  const day26 = await quote({ regionCode: XIAOYI, year: 2024, paidOn: '2023-10-26' });
  t.match(day26.json(), { status: 422, code: 'OUTSIDE_PAYMENT_DAYS' });
  const plain = (await quote({ regionCode: XIAOYI, year: 2024, paidOn: '2023-10-20' })).json();
  t.equal(plain.assistanceIdentity, null, 'no assistance is an explicit null');
  t.same(Object.keys(plain).sort(), [
    'assistanceFen',
    'assistanceIdentity',
    'benefitEnd',
    'benefitStart',
    'fiscalSubsidyFen',
    'personalFen',
    'policyId',
    'reasons',
    'standardFen',
    'waitingDays',
    'waiverFen',
  ]);
  const tier2 = await quote({ regionCode: XIAOYI, year: 2024, paidOn: '2023-10-20', tier: 2 });
  t.match(tier2.json(), { status: 422, code: 'TIER_NOT_OFFERED' });
});

t.test('contract errors: every bad field, unknown policy, unknown identity, closed period, late newborn', async (t) => {
  const bad = await quote({ regionCode: '12', year: '2025', tier: 3, paidOn: '2025-02-30', category: 'pet' });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().code, 'VALIDATION_FAILED');
  t.same(
    bad
      .json()
      .errors.map((e: { path: string }) => e.path)
      .sort(),
    ['body.category', 'body.paidOn', 'body.regionCode', 'body.tier', 'body.year'],
  );

  const noBirth = await quote({ regionCode: LIZI, year: 2025, paidOn: '2025-03-01', category: 'newborn' });
  t.equal(noBirth.statusCode, 400);
  t.same(
    noBirth.json().errors.map((e: { path: string }) => e.path),
    ['body.birthDate'],
  );

  t.match((await quote({ regionCode: LIZI, year: 2030, paidOn: '2029-10-01' })).json(), {
    status: 404,
    code: 'POLICY_NOT_FOUND',
  });
  const unknown = (
    await quote({ regionCode: LIZI, year: 2025, paidOn: '2024-10-15', identities: ['低保', '外星人'] })
  ).json();
  t.match(unknown, { status: 422, code: 'UNKNOWN_IDENTITY' });
  t.ok(unknown.identities.includes('外星人'));
  t.match((await quote({ regionCode: LIZI, year: 2025, paidOn: '2025-10-01' })).json(), {
    status: 422,
    code: 'ENROLLMENT_CLOSED',
  });
  const late = await quote({
    regionCode: LIZI,
    year: 2025,
    paidOn: '2025-05-01',
    category: 'newborn',
    birthDate: '2025-01-30',
  });
  t.match(late.json(), { status: 422, code: 'NEWBORN_WINDOW_PASSED' });
});

t.test('003#三: a newborn paying on birth + 90 days is covered from birth without a wait', async (t) => {
  const res = await quote({
    regionCode: LIZI,
    year: 2025,
    paidOn: '2025-06-09',
    category: 'newborn',
    birthDate: '2025-03-11',
  });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { benefitStart: '2025-03-11', benefitEnd: '2025-12-31', waitingDays: 0, personalFen: 40000 });
});

t.test('000 annex 2: an inpatient estimate at a level-2 hospital', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/estimates',
    payload: { regionCode: LIZI, year: 2024, tier: 1, hospitalLevel: 2, inScopeCostFen: 1_030_000 },
  });
  t.equal(res.statusCode, 200);
  // (10,300 − 300 deductible) × 70% = 7,000 yuan from basic insurance; the rest is below the
  // critical-illness deductible of 17,833.
  t.match(res.json(), { policyId: 'cq-2024', basicFen: 700_000, criticalIllnessFen: 0, outOfPocketFen: 330_000 });
  const bad = await app.inject({
    method: 'POST',
    url: '/v1/estimates',
    payload: { regionCode: LIZI, year: 2024, hospitalLevel: 4, inScopeCostFen: -1 },
  });
  t.equal(bad.statusCode, 400);
  t.same(
    bad
      .json()
      .errors.map((e: { path: string }) => e.path)
      .sort(),
    ['body.hospitalLevel', 'body.inScopeCostFen'],
  );
});
