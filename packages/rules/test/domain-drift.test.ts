import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BUILT_IN_POLICIES, type PolicyDocument, resolveIdentities } from '../src/index.js';

// The digest in shared/DOMAIN.md restates the notices for people; the documents restate them for
// code. Where the two drift apart one of them is wrong, and a person must check the notice.

const projectRoot = path.resolve(import.meta.dirname, '..', '..', '..');
// The project keeps its own copy, so the check runs on any clone; the shared original, where a
// checkout has it beside the project, must match the copy.
const domainPath = path.resolve(projectRoot, 'docs', 'DOMAIN.md');
const sharedPath = path.resolve(projectRoot, '..', 'shared', 'DOMAIN.md');

t.test(
  'docs/DOMAIN.md is the shared digest, unchanged',
  { skip: !existsSync(sharedPath) && 'no ../shared' },
  async (t) => {
    t.equal(
      readFileSync(domainPath, 'utf8'),
      readFileSync(sharedPath, 'utf8'),
      'copy it again: cp ../shared/DOMAIN.md docs/',
    );
  },
);

const SEED_TO_POLICY: Record<string, string> = {
  '000': 'cq-2024',
  '002': 'cq-2023',
  '003': 'cq-2025',
  '004': 'xiaoyi-2024',
};

function doc(seed: string): PolicyDocument {
  const id = SEED_TO_POLICY[seed];
  const found = BUILT_IN_POLICIES.find((p) => p.id === id);
  if (!found) throw new Error(`no document for seed ${seed}`);
  return found;
}

/** Yuan as the digest writes them ("17,833", "9,398.5") to fen. */
function fen(yuan: string): number {
  const [whole, frac = ''] = yuan.replace(/,/g, '').split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0').slice(0, 2));
}

const firstNumber = (cell: string): number | undefined => {
  const m = /(\d[\d,]*(?:\.\d+)?)/.exec(cell);
  return m ? fen(m[1] as string) : undefined;
};

interface Table {
  caption: string;
  header: string[];
  rows: string[][];
}

function tables(markdown: string): Table[] {
  const lines = markdown.split('\n');
  const found: Table[] = [];
  let caption = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? '';
    if (!line.startsWith('|')) {
      if (line) caption = line;
      continue;
    }
    const block: string[] = [];
    while (i < lines.length && lines[i]?.trim().startsWith('|')) block.push((lines[i++] as string).trim());
    const cells = (l: string) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim());
    const [head, , ...body] = block;
    found.push({ caption, header: cells(head as string), rows: body.map(cells) });
  }
  return found;
}

function identityCodes(cell: string): { codes: string[]; unknown: string[] } {
  const included: string[] = [];
  const bare = cell.replace(/\s*\(([^)]*)\)/g, (_, inner: string) => {
    const incl = /^incl\.\s*(.+)$/.exec(inner);
    if (incl) included.push(incl[1] as string);
    return '';
  });
  const labels = bare
    .split(/,\s*/)
    .map((s) => s.trim())
    .filter(Boolean);
  const main = resolveIdentities(labels);
  const extra = resolveIdentities(included);
  return { codes: [...main.codes, ...extra.codes], unknown: main.unknown };
}

const markdown = readFileSync(domainPath, 'utf8');
{
  const all = tables(markdown);

  t.test('contribution standards and fiscal subsidy match the documents', async (t) => {
    const table = all.find((x) => x.header[0] === 'jurisdiction-year');
    t.ok(table, 'the standards table is in the digest');
    for (const row of table?.rows ?? []) {
      const seed = /\((\d{3})\)/.exec(row[0] ?? '')?.[1] as string;
      const d = doc(seed);
      const [, tier1 = '', tier2 = '', college = '', fiscal = ''] = row;
      t.equal(d.standards.resident.tier1Fen, firstNumber(tier1), `${d.id} tier 1 (${tier1})`);
      t.equal(d.standards.resident.tier2Fen, firstNumber(tier2), `${d.id} tier 2 (${tier2})`);
      const pair = /(\d+)\s*\/\s*(\d+)/.exec(college);
      const stated = college.includes('academic year')
        ? d.standards.collegeStudentAcademicYear
        : d.standards.collegeStudent;
      t.same(
        stated ? [stated.tier1Fen, stated.tier2Fen] : undefined,
        pair ? [fen(pair[1] as string), fen(pair[2] as string)] : undefined,
        `${d.id} college students (${college})`,
      );
      // A figure preceded by ≥ is a floor, not the year's amount.
      const amount = /^\d/.test(fiscal) ? firstNumber(fiscal) : undefined;
      t.equal(d.fiscalSubsidyPerCapitaFen?.value, amount, `${d.id} fiscal subsidy (${fiscal})`);
    }
  });

  t.test('assistance per identity and tier matches the documents', async (t) => {
    const assistanceTables = all.filter((x) => x.header[0] === 'identity' && /\(\d{3}#/.test(x.caption));
    t.equal(assistanceTables.length, 3, 'three assistance tables (2023, 2025, Xiaoyi)');
    for (const table of assistanceTables) {
      const d = doc(/\((\d{3})#/.exec(table.caption)?.[1] as string);
      const singleTier = table.header[3] === 'person pays';
      const seen = new Set<string>();
      for (const row of table.rows) {
        const { codes, unknown } = identityCodes(row[0] ?? '');
        t.same(unknown, [], `${d.id}: every label of "${row[0]}" is a known identity`);
        const wanted1 = row[2] === '—' ? undefined : firstNumber((row[2] ?? '').split('=').pop() as string);
        const wanted2 = singleTier
          ? undefined
          : row[3] === '—'
            ? undefined
            : firstNumber((row[3] ?? '').split('=').pop() as string);
        for (const code of codes) {
          seen.add(code);
          const docRow = d.assistance?.rows.find((r) => r.identities.includes(code));
          t.same(
            [docRow?.tier1Fen, docRow?.tier2Fen],
            [wanted1, wanted2],
            `${d.id} ${code}: digest "${row[2]}" / "${singleTier ? '-' : row[3]}"`,
          );
          if (singleTier && wanted1 !== undefined) {
            t.equal(
              d.standards.resident.tier1Fen - wanted1,
              firstNumber(row[3] ?? ''),
              `${d.id} ${code}: the person pays ${row[3]}`,
            );
          }
        }
      }
      const inDocument = d.assistance?.rows.flatMap((r) => r.identities) ?? [];
      t.same(
        inDocument.filter((c) => !seen.has(c)),
        [],
        `${d.id}: every assisted identity of the document is in the digest`,
      );
    }
  });

  t.test('enrolment periods match the documents', async (t) => {
    const table = all.find((x) => x.header[0] === 'rule' && x.header.some((h) => h.includes('(002)')));
    t.ok(table, 'the periods table is in the digest');
    if (!table) return;
    const columns = table.header.map((h) => /\((\d{3})\)/.exec(h)?.[1]);
    const row = (prefix: string) => table.rows.find((r) => r[0]?.startsWith(prefix)) ?? [];
    columns.forEach((seed, i) => {
      if (!seed) return;
      const d = doc(seed);
      const c = d.periods.concentrated;
      const concentrated = row('concentrated period')[i] ?? '';
      const range = /(\S+)\.\.(\d{4}-\d{2}-\d{2})/.exec(concentrated);
      const from = range?.[1] === 'notice' || concentrated.startsWith('notice date') ? d.issuedOn?.value : range?.[1];
      t.same([c.from, c.to], [from, range?.[2]], `${d.id} concentrated period (${concentrated})`);
      const days = /days (\d+)[–-](\d+)/.exec(concentrated);
      t.same(
        c.paymentDaysOfMonth,
        days ? { from: Number(days[1]), to: Number(days[2]) } : undefined,
        `${d.id} payment days of the month`,
      );
      const last = row('last payment day')[i] ?? '';
      t.equal(
        d.periods.lastPaymentDay?.value,
        /\d{4}-\d{2}-\d{2}/.exec(last)?.[0],
        `${d.id} last payment day (${last})`,
      );
      const cut = row('no fiscal subsidy')[i] ?? '';
      const after = /paid after (\d{4}-\d{2}-\d{2})/.exec(cut)?.[1];
      const onOrAfter = /on\/after (\d{4})-(\d{2})-(\d{2})/.exec(cut);
      const lastDayWithSubsidy = onOrAfter
        ? new Date(Date.UTC(Number(onOrAfter[1]), Number(onOrAfter[2]) - 1, Number(onOrAfter[3]) - 1))
            .toISOString()
            .slice(0, 10)
        : after;
      t.equal(
        d.periods.fiscalSubsidyCutoff?.lastDayWithSubsidy,
        lastDayWithSubsidy,
        `${d.id} fiscal-subsidy cut-off (${cut})`,
      );
      const janFeb = row('paid Jan 1')[i] ?? '';
      t.equal(
        d.periods.lateWindows.some((w) => w.benefitStart.kind === 'first-of-next-month'),
        janFeb !== '—',
        `${d.id} Jan-Feb window (${janFeb})`,
      );
      const fromMarch = row('paid from Mar 1')[i] ?? '';
      t.equal(
        d.periods.lateWindows.some((w) => w.benefitStart.kind === 'after-days' && w.benefitStart.days === 90),
        fromMarch !== '—',
        `${d.id} 90-day window (${fromMarch})`,
      );
    });
  });

  t.test('benefit parameters match the documents', async (t) => {
    const start = markdown.indexOf('## Benefits table');
    const end = markdown.indexOf('\n## ', start + 1);
    const text = markdown.slice(start, end).replace(/\s+/g, ' ');
    const match = (re: RegExp, what: string): string[] => {
      const m = re.exec(text);
      t.ok(m, `the digest states ${what}`);
      return m ? m.slice(1) : [];
    };
    const b = doc('000').benefits;
    const [d1, d2, d3] = match(/level 1\/2\/3: ([\d,]+) \/ ([\d,]+) \/ ([\d,]+) yuan/, 'inpatient deductibles');
    t.same(
      b?.inpatient?.deductibleFen,
      { level1: fen(d1!), level2: fen(d2!), level3: fen(d3!) },
      'inpatient deductibles',
    );
    const r = match(
      /tier 1: (\d+)% \/ (\d+)% \/ (\d+)%, tier 2: (\d+)% \/ (\d+)% \/ (\d+)% \(minors \+(\d+) points\)/,
      'inpatient ratios',
    ).map(Number);
    t.same(
      b?.inpatient?.ratioPercent,
      { tier1: { level1: r[0], level2: r[1], level3: r[2] }, tier2: { level1: r[3], level2: r[4], level3: r[5] } },
      'inpatient ratios',
    );
    t.equal(b?.inpatient?.minorBonusPoints, r[6], 'minors');
    const [c1, c2] = match(/basic cap ([\d,]+) \(tier 1\) \/ ([\d,]+) \(tier 2\)/, 'basic caps');
    t.same(b?.inpatient?.capFen, { tier1: fen(c1!), tier2: fen(c2!) }, 'basic caps');
    const [k2024, k2023, k2025] = match(
      /deductible ([\d,]+) \(2024; ([\d,]+) in 2023, ([\d,]+) in 2025\)/,
      'CI deductibles',
    );
    t.equal(b?.criticalIllness?.deductibleFen, fen(k2024!), 'critical-illness deductible 2024');
    t.equal(doc('002').benefits?.criticalIllness?.deductibleFen, fen(k2023!), 'critical-illness deductible 2023');
    t.equal(doc('003').benefits?.criticalIllness?.deductibleFen, fen(k2025!), 'critical-illness deductible 2025');
    const [ratio, cap, total1, total2] = match(
      /(\d+)%, cap ([\d,]+); annual total cap ([\d,]+) \/ ([\d,]+)/,
      'critical-illness ratio and caps',
    );
    t.equal(b?.criticalIllness?.ratioPercent, Number(ratio), 'critical-illness ratio');
    t.equal(b?.criticalIllness?.capFen, fen(cap!), 'critical-illness cap');
    t.same(
      b?.annualTotalCapFen && [b.annualTotalCapFen.tier1, b.annualTotalCapFen.tier2],
      [fen(total1!), fen(total2!)],
      'annual total cap',
    );
    const o = match(
      /level 1 no deductible (\d+)%, level 2 deductible ([\d,]+) at (\d+)%, annual cap ([\d,]+) \(tier 1\) \/ ([\d,]+) \(tier 2\)/,
      'general outpatient',
    );
    t.same(
      b?.generalOutpatient && {
        level1: b.generalOutpatient.level1,
        level2: b.generalOutpatient.level2,
        capFen: b.generalOutpatient.capFen,
      },
      {
        level1: { deductibleFen: 0, ratioPercent: Number(o[0]) },
        level2: { deductibleFen: fen(o[1]!), ratioPercent: Number(o[2]) },
        capFen: { tier1: fen(o[3]!), tier2: fen(o[4]!) },
      },
      'general outpatient',
    );
    const [who, cut, bonus] = match(
      /2025 tilt for (.+?): critical-illness deductible [−-](\d+)%, ratio \+(\d+) points, no cap/,
      'the 2025 tilt',
    );
    const SHORT: Record<string, string> = {
      特困: 'extreme-poverty',
      低保: 'subsistence-allowance',
      返贫致贫: 'returned-to-poverty',
    };
    const tilt = doc('003').benefits?.criticalIllnessTilt;
    t.same(
      tilt && [tilt.identities, tilt.deductibleReductionPercent, tilt.ratioBonusPoints, tilt.noCap],
      [(who ?? '').split(/,\s*/).map((s) => SHORT[s]), Number(cut), Number(bonus), true],
      'the 2025 tilt',
    );
  });
}
