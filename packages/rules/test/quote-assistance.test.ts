import t from 'tap';
import { assistanceTable, BUILT_IN_POLICIES, resolveIdentities } from '../src/index.js';
import { policy, q, SEED, summary, withOperatorData } from './helpers.js';

// Assistance per identity and tier, typed in from the notices (not read back from the JSON), so a
// wrong document cannot agree with itself. `null` = the identity gets nothing in that tier.

interface AssistanceRow {
  clause: string;
  label: string;
  tier1: number | null;
  tier2?: number | null;
}

const CQ_2023: AssistanceRow[] = [
  { clause: '002#二(四)1', label: '城乡孤儿', tier1: 35000, tier2: 35000 },
  { clause: '002#二(四)1', label: '事实无人抚养儿童', tier1: 35000, tier2: 35000 },
  { clause: '002#二(四)1', label: '特困人员', tier1: 35000, tier2: 35000 },
  { clause: '002#二(四)1', label: '城乡低保对象', tier1: 31500, tier2: 35000 },
  { clause: '002#二(四)1', label: '城乡重度（一、二级）残疾人员', tier1: 24500, tier2: 35000 },
  { clause: '002#二(四)1', label: '在乡重点优抚对象（不含1—6级残疾军人）', tier1: 24500, tier2: 35000 },
  { clause: '002#二(四)1', label: '民政部门建档其他人员', tier1: 24500, tier2: 35000 },
  { clause: '002#二(四)1', label: '因病致贫家庭重病患者', tier1: 24500, tier2: 35000 },
  { clause: '002#二(四)1', label: '在乡老复员军人', tier1: null, tier2: 72500 },
  { clause: '002#二(四)2', label: '返贫致贫人口', tier1: 24500, tier2: 35000 },
  { clause: '002#二(四)2', label: '脱贫不稳定户', tier1: 24500, tier2: 35000 },
  { clause: '002#二(四)2', label: '边缘易致贫户', tier1: 24500, tier2: 35000 },
  { clause: '002#二(四)2', label: '突发严重困难户', tier1: 24500, tier2: 35000 },
  { clause: '002#二(四)2', label: '稳定脱贫人口', tier1: 5000, tier2: 5000 },
  { clause: '002#二(四) (not listed)', label: '低保边缘户', tier1: null, tier2: null },
  { clause: '002#二(四) (not listed)', label: '病故军人遗属', tier1: null, tier2: null },
  { clause: '002#二(四) (not listed)', label: '持二代残疾证残疾人', tier1: null, tier2: null },
  { clause: '002#二(四) (not listed)', label: '市属改制企业职工', tier1: null, tier2: null },
];

const CQ_2025: AssistanceRow[] = [
  { clause: '003#五(一)', label: '返贫致贫人口', tier1: 28000, tier2: 40000 },
  { clause: '003#五(一)', label: '脱贫不稳定户', tier1: 28000, tier2: 40000 },
  { clause: '003#五(一)', label: '边缘易致贫户', tier1: 28000, tier2: 40000 },
  { clause: '003#五(一)', label: '突发严重困难户', tier1: 28000, tier2: 40000 },
  { clause: '003#五(一)', label: '稳定脱贫人口', tier1: 1500, tier2: 1500 },
  { clause: '003#五(二)', label: '特困人员', tier1: 40000, tier2: 40000 },
  { clause: '003#五(二)', label: '城乡孤儿', tier1: 40000, tier2: 40000 },
  { clause: '003#五(二)', label: '事实无人抚养儿童', tier1: 40000, tier2: 40000 },
  { clause: '003#五(二)', label: '城乡低保对象', tier1: 36000, tier2: 40000 },
  { clause: '003#五(二)', label: '低保边缘户', tier1: 28000, tier2: 40000 },
  { clause: '003#五(二)', label: '城乡重度（一、二级）残疾人员', tier1: 28000, tier2: 40000 },
  { clause: '003#五(二)', label: '民政部门建档其他人员', tier1: 28000, tier2: 40000 },
  { clause: '003#五(二)', label: '因病致贫家庭重病患者', tier1: 28000, tier2: 40000 },
  { clause: '003#五(三)', label: '在乡重点优抚对象（不含1—6级残疾军人）', tier1: 40000, tier2: 40000 },
  { clause: '003#五(三)', label: '在乡老复员军人', tier1: null, tier2: 77500 },
  { clause: '003#五(三)', label: '病故军人遗属', tier1: null, tier2: 77500 },
  { clause: '003#五(三)', label: '因公牺牲军人遗属', tier1: null, tier2: 77500 },
  { clause: '003#五(三)', label: '烈士遗属', tier1: null, tier2: 77500 },
  { clause: '003#五(三)', label: '60周岁以上烈士子女', tier1: null, tier2: 77500 },
  { clause: '003#五 (not listed)', label: '持二代残疾证残疾人', tier1: null, tier2: null },
  { clause: '003#五 (not listed)', label: '市属改制企业职工', tier1: null, tier2: null },
];

const XIAOYI_2024: AssistanceRow[] = [
  { clause: '004#3', label: '特困人员', tier1: 38000 },
  { clause: '004#3', label: '低保对象', tier1: 30400 },
  { clause: '004#3', label: '返贫致贫人口', tier1: 34200 },
  { clause: '004#3', label: '监测对象', tier1: 28000 },
  { clause: '004#3', label: '脱贫不稳定人口', tier1: 28000 },
  { clause: '004#3', label: '边缘易致贫人口', tier1: 28000 },
  { clause: '004#3', label: '突发严重困难人口', tier1: 28000 },
  { clause: '004#3', label: '持有二代残疾证的残疾人员', tier1: 30400 },
  { clause: '004#3', label: '市属改制企业职工（含市属未改制企业退休人员）', tier1: 38000 },
  { clause: '004#3 (not listed)', label: '城乡孤儿', tier1: null },
  { clause: '004#3 (not listed)', label: '稳定脱贫人口', tier1: null },
  { clause: '004#3 (not listed)', label: '在乡重点优抚对象', tier1: null },
  { clause: '004#3 (not listed)', label: '重度残疾', tier1: null },
];

const TABLES: Array<{ id: string; paidOn: string; rows: AssistanceRow[] }> = [
  { id: 'cq-2023', paidOn: '2022-11-01', rows: CQ_2023 },
  { id: 'cq-2025', paidOn: '2024-11-01', rows: CQ_2025 },
  { id: 'xiaoyi-2024', paidOn: '2023-11-01', rows: XIAOYI_2024 },
];

t.test('every assistance row of every notice, in each tier', async (t) => {
  for (const table of TABLES) {
    const doc = policy(table.id);
    for (const row of table.rows) {
      const tiers: Array<[1 | 2, number | null | undefined]> = [[1, row.tier1]];
      if ('tier2' in row) tiers.push([2, row.tier2]);
      for (const [tier, amount] of tiers) {
        const r = q(doc, { paidOn: table.paidOn, tier, identities: [row.label], lastEnrolledYear: doc.year - 1 });
        if (!r.ok) {
          t.fail(`${row.clause} ${row.label} tier ${tier}: ${r.error.code}`);
          continue;
        }
        const standard = r.quote.standardFen;
        const expected = amount ?? 0;
        t.same(
          { assistanceFen: r.quote.assistanceFen, personalFen: r.quote.personalFen },
          { assistanceFen: expected, personalFen: standard - expected },
          `${row.clause} ${table.id} ${row.label} tier ${tier}`,
        );
        if (amount === null) {
          t.ok(
            r.quote.reasons.some((x) => x.rule === 'assistance-not-listed' || x.rule === 'assistance-other-tier'),
            `${row.clause} ${row.label} tier ${tier}: a reason says why nothing is given`,
          );
          t.equal(r.quote.assistanceIdentity, null, `${row.clause} ${row.label}: no assisting identity`);
        }
      }
    }
  }
});

t.test('the tables above cover every row of every built-in document', async (t) => {
  for (const table of TABLES) {
    const doc = policy(table.id);
    const coded = new Set(table.rows.flatMap((r) => resolveIdentities([r.label]).codes));
    for (const row of doc.assistance?.rows ?? []) {
      for (const code of row.identities) t.ok(coded.has(code), `${table.id}: ${code} (${row.source}) is checked`);
    }
  }
  t.same(
    BUILT_IN_POLICIES.filter((p) => p.assistance).map((p) => p.id),
    TABLES.map((x) => x.id),
    'cq-2024 alone has no assistance table (000#六: annex 1 is missing)',
  );
});

t.test('cq-2024: identities need annex 1, which the seed lacks (000#六)', async (t) => {
  const r = q(policy('cq-2024'), { paidOn: '2023-12-01', identities: ['特困人员'] });
  t.same(summary(r), { code: 'POLICY_INCOMPLETE', missing: ['assistance'] }, '000#六 特困人员');
  const plain = q(policy('cq-2024'), { paidOn: '2023-12-01' });
  t.same(summary(plain).personalFen, 38000, '000#三 no identity, no table needed');
});

t.test('就高: the highest assistance applies, whatever the order (002#二(四)2, 003#五)', async (t) => {
  const cq2025 = policy('cq-2025');
  const cq2023 = policy('cq-2023');
  const rows = [
    {
      clause: '003#五',
      doc: cq2025,
      tier: 1 as const,
      identities: ['稳定脱贫人口', '城乡低保对象'],
      assistanceFen: 36000,
      identity: 'subsistence-allowance',
    },
    {
      clause: '003#五',
      doc: cq2025,
      tier: 2 as const,
      identities: ['城乡低保对象', '在乡老复员军人'],
      assistanceFen: 77500,
      identity: 'old-demobilized-soldier',
    },
    {
      clause: '003#五 (tier 1: the veteran row gives nothing, 低保 applies)',
      doc: cq2025,
      tier: 1 as const,
      identities: ['在乡老复员军人', '城乡低保对象'],
      assistanceFen: 36000,
      identity: 'subsistence-allowance',
    },
    {
      clause: '003#五 (tie in one row: first listed)',
      doc: cq2025,
      tier: 1 as const,
      identities: ['事实无人抚养儿童', '城乡孤儿', '特困人员'],
      assistanceFen: 40000,
      identity: 'extreme-poverty',
    },
    {
      clause: '003#五 (tie across rows: earlier row)',
      doc: cq2025,
      tier: 2 as const,
      identities: ['特困人员', '返贫致贫人口'],
      assistanceFen: 40000,
      identity: 'returned-to-poverty',
    },
    {
      clause: '002#二(四)2',
      doc: cq2023,
      tier: 1 as const,
      identities: ['稳定脱贫人口', '城乡重度（一、二级）残疾人员', '城乡低保对象'],
      assistanceFen: 31500,
      identity: 'subsistence-allowance',
    },
    {
      clause: '004#3 (not stated there; highest applied, never summed)',
      doc: policy('xiaoyi-2024'),
      tier: 1 as const,
      identities: ['持二代残疾证残疾人', '监测对象', '返贫致贫人口'],
      assistanceFen: 34200,
      identity: 'returned-to-poverty',
    },
  ];
  for (const row of rows) {
    const paidOn = row.doc.periods.concentrated.from;
    for (const identities of [row.identities, [...row.identities].reverse()]) {
      const r = q(row.doc, { paidOn, tier: row.tier, identities, lastEnrolledYear: row.doc.year - 1 });
      const s = summary(r);
      t.same(
        { assistanceFen: s.assistanceFen, assistanceIdentity: s.assistanceIdentity },
        { assistanceFen: row.assistanceFen, assistanceIdentity: row.identity },
        `${row.clause} ${identities.join('+')}`,
      );
    }
  }
});

t.test('identities as codes, printed labels, Chongqing numbers; unknown strings listed', async (t) => {
  const doc = policy('cq-2025');
  const paidOn = '2024-10-01';
  for (const form of ['subsistence-allowance', '低保对象', '城乡低保对象', '7019', ' 城乡低保对象 ']) {
    t.equal(summary(q(doc, { paidOn, identities: [form] })).assistanceFen, 36000, `003#五(二) as "${form}"`);
  }
  const r = q(doc, { paidOn, identities: ['低保', '特困人员', 'poor'] });
  t.same(
    r.ok ? null : { code: r.error.code, status: r.error.status, identities: r.error.identities },
    { code: 'UNKNOWN_IDENTITY', status: 422, identities: ['低保', 'poor'] },
    'contract: UNKNOWN_IDENTITY lists every unknown string',
  );
  const duplicate = q(doc, { paidOn, identities: ['特困人员', 'extreme-poverty', '7131'] });
  t.equal(summary(duplicate).assistanceFen, 40000, 'the same identity three ways counts once');
});

t.test('assistance never exceeds what is owed', async (t) => {
  const doc = policy('cq-2025');
  const r = q(doc, { paidOn: '2024-10-01', category: 'college-student', identities: ['特困人员'] });
  t.same(
    summary(r),
    {
      policyId: 'cq-2025',
      standardFen: 38000,
      fiscalSubsidyFen: 0,
      assistanceFen: 38000,
      assistanceIdentity: 'extreme-poverty',
      waiverFen: 0,
      personalFen: 0,
      benefitStart: '2025-01-01',
      benefitEnd: '2025-12-31',
      waitingDays: 0,
    },
    '003#四(一) + 003#五(二): 400 yuan of assistance against a 380-yuan college standard',
  );
  t.ok(r.ok && r.quote.reasons.some((x) => x.rule === 'assistance-capped'), 'a reason says it was capped');
});

t.test('assistanceTable looks an identity up by code', async (t) => {
  const table = assistanceTable(policy('cq-2025'));
  t.same(
    table?.['subsistence-allowance'],
    { tier1Fen: 36000, tier2Fen: 40000, source: '003_01f4ef08c34ea7cb.txt#五(二)' },
    '003#五(二) 城乡低保对象',
  );
  t.same(
    table?.['martyr-family'],
    { tier1Fen: undefined, tier2Fen: 77500, source: '003_01f4ef08c34ea7cb.txt#五(三)' },
    '003#五(三)',
  );
  t.equal(table?.['disability-card'], undefined, 'not listed');
  t.equal(assistanceTable(policy('cq-2024')), undefined, '000#六: no table');
});

t.test('no tier asked: an identity assisted only in tier 2 is told that tier 2 is fully assisted', async (t) => {
  const cq2025 = policy('cq-2025');
  const cq2023 = policy('cq-2023');
  const tierTwoOnly = (r: ReturnType<typeof q>) =>
    r.ok ? r.quote.reasons.filter((x) => x.rule.startsWith('tier-2-')) : [];
  const rows = [
    { clause: '003#五(三)', doc: cq2025, label: '在乡老复员军人', tier1: 40000, tier2: 77500 },
    { clause: '003#五(三)', doc: cq2025, label: '病故军人遗属', tier1: 40000, tier2: 77500 },
    { clause: '003#五(三)', doc: cq2025, label: '因公牺牲军人遗属', tier1: 40000, tier2: 77500 },
    { clause: '003#五(三)', doc: cq2025, label: '烈士遗属', tier1: 40000, tier2: 77500 },
    { clause: '003#五(三)', doc: cq2025, label: '60周岁以上烈士子女', tier1: 40000, tier2: 77500 },
    { clause: '002#二(四)1', doc: cq2023, label: '在乡老复员军人', tier1: 35000, tier2: 72500 },
  ];
  const seedOf = (clause: string) => (clause.startsWith('003') ? SEED.s003 : SEED.s002);
  for (const row of rows) {
    const paidOn = row.doc.periods.concentrated.from;
    const r = q(row.doc, { paidOn, identities: [row.label] });
    t.match(
      summary(r),
      { standardFen: row.tier1, assistanceFen: 0, personalFen: row.tier1, assistanceIdentity: null },
      `${row.clause} ${row.label}: tier 1 is what was quoted, with nothing assisted`,
    );
    const said = tierTwoOnly(r);
    t.equal(said.length, 1, `${row.clause} ${row.label}: one reason speaks of tier 2`);
    t.equal(said[0]?.rule, 'tier-2-fully-assisted', `${row.clause} ${row.label}: tier 2 is fully assisted`);
    t.equal(said[0]?.source, `${seedOf(row.clause)}#${row.clause.split('#')[1]}`, `cites ${row.clause}`);
    t.match(
      said[0]?.text,
      `the person pays 0 yuan instead of ${row.tier1 / 100} yuan`,
      `${row.clause} ${row.label}: the text gives both amounts`,
    );
    const tier2 = q(row.doc, { paidOn, tier: 2, identities: [row.label] });
    t.match(
      summary(tier2),
      { standardFen: row.tier2, assistanceFen: row.tier2, personalFen: 0 },
      `${row.clause} ${row.label}: and asking for tier 2 quotes it so`,
    );
  }

  const paidOn = '2024-11-01';
  const chosen = q(cq2025, { paidOn, tier: 1, identities: ['在乡老复员军人'] });
  t.same(tierTwoOnly(chosen), [], 'tier 1 asked for: the desk chose, only the tier-1 reason stays');
  t.ok(
    chosen.ok && chosen.quote.reasons.some((x) => x.rule === 'assistance-other-tier'),
    'which still says the identity brings nothing in tier 1',
  );
  t.same(tierTwoOnly(q(cq2025, { paidOn, tier: 2, identities: ['在乡老复员军人'] })), [], 'tier 2 asked for');
  t.same(
    tierTwoOnly(q(cq2025, { paidOn, identities: ['城乡低保对象'] })),
    [],
    '003#五(二): 低保 is assisted in both tiers and pays more in tier 2, so nothing is said',
  );

  const both = q(cq2025, { paidOn, identities: ['城乡低保对象', '烈士遗属'] });
  t.match(summary(both), { assistanceIdentity: 'subsistence-allowance', personalFen: 4000 }, '003#五 就高 in tier 1');
  t.match(
    tierTwoOnly(both)[0]?.text,
    /烈士遗属 \(martyr-family\).*pays 0 yuan instead of 40 yuan/,
    '003#五(三): with 低保 too, tier 2 still costs nothing against 40 yuan in tier 1',
  );

  const partly = withOperatorData('cq-2025', (d) => {
    const row = d.assistance?.rows.find((x) => x.identities.includes('old-demobilized-soldier'));
    if (row) row.tier2Fen = 50000;
  });
  const partial = tierTwoOnly(q(partly, { paidOn, identities: ['在乡老复员军人'] }));
  t.equal(partial[0]?.rule, 'tier-2-assisted', 'a tier-2 amount below the tier-2 standard is not called full');
  t.match(partial[0]?.text, 'pays 275 yuan instead of 400 yuan', 'and the text gives what is left to pay');
  t.equal(partial[0]?.source, `${SEED.s003}#五(三)`, 'citing the row');
});
