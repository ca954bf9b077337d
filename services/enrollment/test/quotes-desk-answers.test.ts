import t from 'tap';
import { setup } from './helpers.js';

// Two answers a front desk needs from POST /v1/quotes (contracts/quote.md), over HTTP.
const { app } = await setup(t);
const FENGDU = '500230';
const LIZI = '500230209';

const quote = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/quotes', payload });
const rulesOf = (body: { reasons: Array<{ rule: string }> }) => body.reasons.map((r) => r.rule);

t.test('002#二(二): a 2023 college student is quoted the academic-year price, for that academic year', async (t) => {
  const res = await quote({ regionCode: FENGDU, year: 2023, category: 'college-student', paidOn: '2022-11-01' });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body, {
    policyId: 'cq-2023',
    standardFen: 32000,
    personalFen: 32000,
    benefitStart: '2022-09-01',
    benefitEnd: '2023-08-31',
  });
  t.match(
    body.reasons.find((r: { rule: string }) => r.rule === 'college-academic-year'),
    { source: '002_760418c3a3365474.txt#二(二)', text: /academic year 2022-09-01\.\.2023-08-31/ },
    'a reason says the price is for the academic year',
  );
  const tier2 = (
    await quote({ regionCode: FENGDU, year: 2023, category: 'college-student', tier: 2, paidOn: '2022-11-01' })
  ).json();
  t.equal(tier2.standardFen, 69500, 'tier 2: 695 yuan');
});

t.test('003#五(三): with no tier asked, 老复员军人 hears that tier 2 is fully assisted', async (t) => {
  const res = await quote({ regionCode: LIZI, year: 2025, paidOn: '2024-10-15', identities: ['在乡老复员军人'] });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body, { standardFen: 40000, assistanceFen: 0, personalFen: 40000 }, 'tier 1 is quoted, as the contract says');
  t.match(
    body.reasons.find((r: { rule: string }) => r.rule === 'tier-2-fully-assisted'),
    { source: '003_01f4ef08c34ea7cb.txt#五(三)', text: /pays 0 yuan instead of 400 yuan/ },
  );
  const chosen = (
    await quote({ regionCode: LIZI, year: 2025, paidOn: '2024-10-15', tier: 1, identities: ['在乡老复员军人'] })
  ).json();
  t.notOk(rulesOf(chosen).includes('tier-2-fully-assisted'), 'a desk that asked for tier 1 is not told again');
  const tier2 = (
    await quote({ regionCode: LIZI, year: 2025, paidOn: '2024-10-15', tier: 2, identities: ['在乡老复员军人'] })
  ).json();
  t.match(tier2, { standardFen: 77500, assistanceFen: 77500, personalFen: 0 }, 'tier 2 costs nothing');
});
