import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BUILT_IN_POLICIES, PolicyDocumentSchema } from '../src/index.js';

const policiesDir = path.resolve(import.meta.dirname, '..', 'policies');
const FILES = ['cq-2023.json', 'cq-2024.json', 'cq-2025.json', 'xiaoyi-2024.json'];
const load = (file: string): unknown => JSON.parse(readFileSync(path.join(policiesDir, file), 'utf8'));
const SEED_CITATION =
  /^(000_9c4e2275e911b0e9|002_760418c3a3365474|003_01f4ef08c34ea7cb|004_03b4a5a3926dacf5)\.txt#\S+$/;

t.test('each shipped document validates against the schema', async (t) => {
  for (const file of FILES) {
    const result = PolicyDocumentSchema.safeParse(load(file));
    t.ok(result.success, result.success ? file : `${file}: ${JSON.stringify(result.error.issues)}`);
    if (result.success) t.equal(`${result.data.id}.json`, file, `${file}: the file is named after its id`);
  }
  t.equal(BUILT_IN_POLICIES.length, FILES.length, 'BUILT_IN_POLICIES exports every document');
});

/** Every leaf below the top level must sit inside an object that carries a `source`. */
function uncited(value: unknown, pathSoFar: string[], cited: boolean, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      uncited(v, [...pathSoFar, String(i)], cited, out);
    });
    return;
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const here = cited || typeof obj.source === 'string';
    for (const [k, v] of Object.entries(obj)) uncited(v, [...pathSoFar, k], here, out);
    return;
  }
  if (!cited) out.push(pathSoFar.join('.'));
}

t.test('every value carries a citation of a seed notice', async (t) => {
  const META = new Set(['id', 'title', 'year', 'jurisdiction', 'regionCodes', 'source']);
  for (const file of FILES) {
    const doc = load(file) as Record<string, unknown>;
    const out: string[] = [];
    for (const [k, v] of Object.entries(doc)) if (!META.has(k)) uncited(v, [k], false, out);
    t.same(out, [], `${file}: no value without a source`);
    const sources: string[] = [];
    JSON.stringify(doc, (key, v) => {
      if (key === 'source') sources.push(v);
      return v;
    });
    t.same(
      sources.filter((s) => !SEED_CITATION.test(s)),
      [],
      `${file}: every source is <seed file>#<section> of one of the four notices`,
    );
  }
});

t.test('a bad document is rejected with every problem listed', async (t) => {
  const doc = load('cq-2025.json') as any;
  doc.colour = 'blue';
  doc.periods.concentrated.benefit.until = '2025-12-31';
  delete doc.standards.resident.source;
  doc.standards.resident.tier2Fen = 775.5;
  doc.periods.lastPaymentDay.value = '2025-02-30';
  doc.assistance.rows[0].identities.push('poor-people');
  doc.assistance.rows[3].tier1Fen = 35000;
  doc.periods.lateWindows[1].from = '2025-02-01';
  doc.fiscalSubsidyPerCapitaFen = { value: 70000 };
  doc.targets.assessment.bands[3].deductionHundredths = -1;
  const result = PolicyDocumentSchema.safeParse(doc);
  t.notOk(result.success, 'rejected');
  const paths = result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.code}`);
  for (const expected of [
    ': unrecognized_keys',
    'periods.concentrated.benefit: unrecognized_keys',
    'standards.resident.source: invalid_type',
    'standards.resident.tier2Fen: invalid_type',
    'periods.lastPaymentDay.value: custom',
    'assistance.rows.0.identities.4: custom',
    'fiscalSubsidyPerCapitaFen.source: invalid_type',
    'targets.assessment.bands.3.deductionHundredths: too_small',
  ]) {
    t.ok(paths.includes(expected), `lists ${expected}`);
  }
});

t.test('cross-field checks of a document that parses field by field', async (t) => {
  const doc = load('cq-2025.json') as any;
  doc.assistance.rows[3].tier1Fen = 35000;
  doc.periods.lateWindows[1].from = '2025-02-01';
  doc.assistance.rows[1].identities.push('subsistence-allowance');
  doc.targets.assessment.bands.pop();
  const result = PolicyDocumentSchema.safeParse(doc);
  const messages = result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  for (const expected of [
    'assistance.rows.3.tier1Fen: 90% of the standard is 36000',
    'periods.lateWindows.1: overlaps or precedes 2025-02-28',
    'assistance.rows.3.identities: subsistence-allowance is already in row 1',
    'targets.assessment.bands: the last band must start at 0% so every rate has a band',
  ]) {
    t.ok(messages.includes(expected), `lists "${expected}"`);
  }
});

t.test('amounts a notice does not state are absent, never invented', async (t) => {
  const byId = Object.fromEntries(BUILT_IN_POLICIES.map((p) => [p.id, p]));
  t.equal(byId['cq-2023']?.fiscalSubsidyPerCapitaFen, undefined, '002#二(三): 以文件规定为准');
  t.equal(byId['cq-2025']?.fiscalSubsidyPerCapitaFen, undefined, '003#四(二): only 2024 is stated');
  t.equal(byId['xiaoyi-2024']?.fiscalSubsidyPerCapitaFen, undefined, '004#3: only a 2023 floor');
  t.equal(byId['cq-2024']?.fiscalSubsidyPerCapitaFen?.value, 67000, '003#四(二): 2024 is 670 yuan');
  t.equal(byId['cq-2024']?.assistance, undefined, '000#六: annex 1 is not in the seed');
  t.equal(byId['cq-2024']?.standards.collegeStudent, undefined, '000#五(四): no college standard');
  t.equal(byId['cq-2025']?.benefits?.inpatient, undefined, '003#七: only "about 70%"');
  t.equal(byId['cq-2025']?.benefits?.criticalIllness?.capFen, undefined, '003#七: no cap restated');
  t.equal(byId['xiaoyi-2024']?.periods.lastPaymentDay, undefined, '004#4: no last day');
  t.ok(
    BUILT_IN_POLICIES.every((p) => p.notes.length > 0),
    'every document says where its notice is silent',
  );
  t.ok(
    byId['cq-2024']?.notes.some((n) => n.source.endsWith('#六') && n.text.includes('annex 1')),
    'cq-2024 notes that 000#六 points to the missing annex 1',
  );
});
