import { parseRowError } from '@rmi/ingest';
import { PERSON_CATEGORIES, type PersonCategory, parseIdNumber } from '@rmi/rules';
import { createTestKey, shanghaiToday } from '@rmi/service-kit';
import t, { type Test } from 'tap';
import { idNumbers, loadCq2026, setup } from './helpers.js';

// The same people registered for 2026 through the API (POST /v1/persons, then POST /v1/enrolments)
// in one database and through one import in another: the same people are enrolled, the refused
// ones are refused with the API's code, and what is stored (sex, birth date, the enrolment's
// category and tier) is the same. Both paths ask `rules`; this is where that is held.

const V1 = '500230209001';
const V2 = '500230209200';
const SHETAN_VILLAGE = '500230102001';
const WUYANG_VILLAGE = '500233003001';

const worlds = {
  api: await world(),
  import: await world(),
};

async function world() {
  const { app, db } = await setup(t);
  // The invented 2026 notice: local hukou residents only (test/fixtures/cq-2026.json).
  await loadCq2026(db);
  const keys = {
    lizi: await createTestKey(db, 'township-operator', { regionCode: '500230209' }),
    admin: await createTestKey(db, 'admin'),
    service: await createTestKey(db, 'service'),
  };
  return { app, db, keys };
}
type World = Awaited<ReturnType<typeof world>>;

interface Person {
  idNumber: string;
  name: string;
  village: string;
  category: PersonCategory;
  tier?: 1 | 2;
  school?: string;
  guardian?: string;
  /** Registered before the import, as stored then. */
  existing?: { category: PersonCategory; hukou: string; diedOn?: string; enrolledIn?: string };
  coverage?: 'employee' | 'resident-elsewhere';
}

const post = (w: World, url: string, payload: unknown, headers = w.keys.admin.headers, method = 'POST') =>
  w.app.inject({ method: method as 'POST', url, headers, payload: payload as Record<string, unknown> });

function personBody(p: Person, category: PersonCategory, hukou: string) {
  return {
    idNumber: p.idNumber,
    name: p.name,
    hukouRegionCode: hukou,
    category,
    ...(p.school ? { school: p.school } : {}),
    ...(p.guardian ? { guardianIdNumber: p.guardian } : {}),
  };
}

/** What both worlds hold before: the registered, the deceased, coverages reported, enrolments elsewhere. */
async function prepare(w: World, people: readonly Person[], guardian: string, year: number): Promise<void> {
  const res = await post(w, '/v1/persons', { idNumber: guardian, name: '监护人', hukouRegionCode: V1 });
  if (res.statusCode !== 201) throw new Error(`guardian: ${res.body}`);
  for (const p of people) {
    if (p.existing) {
      const created = await post(w, '/v1/persons', personBody(p, p.existing.category, p.existing.hukou));
      if (created.statusCode !== 201) throw new Error(`existing person: ${created.body}`);
      if (p.existing.diedOn) {
        const died = await post(w, `/v1/persons/${p.idNumber}`, { diedOn: p.existing.diedOn }, undefined, 'PATCH');
        if (died.statusCode !== 200) throw new Error(`died: ${died.body}`);
      }
      if (p.existing.enrolledIn) {
        const body = { idNumber: p.idNumber, year, regionCode: p.existing.enrolledIn };
        const enrolled = await post(w, '/v1/enrolments', body);
        if (enrolled.statusCode !== 201) throw new Error(`enrolled elsewhere: ${enrolled.body}`);
      }
    }
    if (p.coverage) {
      const coverage = { idNumber: p.idNumber, year, kind: p.coverage, insurer: '别处' };
      const reported = await post(
        w,
        '/v1/external-coverages',
        { coverages: [coverage] },
        w.keys.service.headers,
        'PUT',
      );
      if (reported.statusCode !== 200) throw new Error(`coverage: ${reported.body}`);
    }
  }
}

type Outcome = 'enrolled' | string[];

/** Each person as a desk registers them: the person (unless registered), then the enrolment. */
async function throughApi(w: World, people: readonly Person[], year: number): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  for (const p of people) {
    if (!p.existing) {
      const created = await post(w, '/v1/persons', personBody(p, p.category, p.village), w.keys.lizi.headers);
      if (created.statusCode !== 201) {
        outcomes.set(p.idNumber, [created.json().code]);
        continue;
      }
    }
    const body = { idNumber: p.idNumber, year, regionCode: p.village, ...(p.tier ? { tier: p.tier } : {}) };
    const res = await post(w, '/v1/enrolments', body, w.keys.lizi.headers);
    outcomes.set(p.idNumber, res.statusCode === 201 ? 'enrolled' : [res.json().code]);
  }
  return outcomes;
}

/** The same people in one file, uploaded in valid-rows mode; refusals read from the rejections download. */
async function throughImport(w: World, people: readonly Person[], year: number): Promise<Map<string, Outcome>> {
  const csv = [
    '身份证号,姓名,村(社区)代码,人员类别,档次,学校,监护人身份证号',
    ...people.map((p) =>
      [p.idNumber, p.name, p.village, p.category, p.tier ?? '', p.school ?? '', p.guardian ?? ''].join(','),
    ),
  ].join('\n');
  const res = await w.app.inject({
    method: 'POST',
    url: `/v1/registration-imports?year=${year}&mode=valid-rows&wait=true`,
    headers: { ...w.keys.lizi.headers, 'content-type': 'text/csv' },
    payload: csv,
  });
  if (res.statusCode !== 200) throw new Error(`import: ${res.body}`);
  const download = await w.app.inject({ url: res.json().links.rejections, headers: w.keys.lizi.headers });
  const refused = new Map<number, string[]>();
  for (const row of download.body
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\n')
    .slice(1)) {
    const [line, reasons] = parseCsvLine(row);
    // Reasons are joined with '; ', which a rule's own words may contain: each ends with its [CODE].
    const codes = (reasons ?? '')
      .split(/(?<=\]); /)
      .map((r) => parseRowError(Number(line), r)?.code ?? `unparsed: ${r}`);
    refused.set(Number(line), codes);
  }
  return new Map(people.map((p, i) => [p.idNumber, refused.get(i + 2) ?? 'enrolled']));
}

/** The first two cells of a line of the rejections download (reasons may be quoted). */
function parseCsvLine(line: string): [string, string] {
  const comma = line.indexOf(',');
  const rest = line.slice(comma + 1);
  if (!rest.startsWith('"')) return [line.slice(0, comma), rest.slice(0, rest.indexOf(','))];
  const end = rest.search(/"(,|$)(?!")/);
  return [line.slice(0, comma), rest.slice(1, end).replaceAll('""', '"')];
}

/** What is stored of an enrolled person in a world, through the API. */
async function stored(w: World, idNumber: string, year: number) {
  const person = (await w.app.inject({ url: `/v1/persons/${idNumber}`, headers: w.keys.admin.headers })).json();
  const enrolment = (
    await w.app.inject({ url: `/v1/enrolments/${idNumber}/${year}`, headers: w.keys.admin.headers })
  ).json();
  return {
    sex: person.sex,
    birthDate: person.birthDate,
    personCategory: person.category,
    hukou: person.hukouRegionCode,
    regionCode: enrolment.regionCode,
    category: enrolment.category,
    tier: enrolment.tier,
    status: enrolment.status,
  };
}

async function compare(t: Test, year: number, people: readonly Person[], describe: (p: Person) => string) {
  const guardian = idNumber('19800101');
  for (const p of people) if (p.category === 'newborn' || p.existing?.category === 'newborn') p.guardian = guardian;
  await prepare(worlds.api, people, guardian, year);
  await prepare(worlds.import, people, guardian, year);
  const api = await throughApi(worlds.api, people, year);
  const imported = await throughImport(worlds.import, people, year);
  for (const p of people) {
    t.same(imported.get(p.idNumber), api.get(p.idNumber), `${describe(p)}: API ${JSON.stringify(api.get(p.idNumber))}`);
    if (api.get(p.idNumber) === 'enrolled' && imported.get(p.idNumber) === 'enrolled') {
      const [here, there] = [await stored(worlds.import, p.idNumber, year), await stored(worlds.api, p.idNumber, year)];
      t.same(here, there, `${describe(p)}: stored alike`);
    }
  }
  return api;
}

const idNumber = idNumbers();

t.test('named cases: the cq-2026 residence-permit holder is NOT_ELIGIBLE on both paths', async (t) => {
  const cases: Array<[string, Omit<Person, 'idNumber' | 'name'> & { birth?: string }, Outcome]> = [
    ['a local resident, tier 1', { village: V1, category: 'resident' }, 'enrolled'],
    ['a local resident, tier 2', { village: V2, category: 'resident', tier: 2 }, 'enrolled'],
    ['born in the year: enrolled as a newborn', { village: V1, category: 'resident', birth: '20260201' }, 'enrolled'],
    ['a residence-permit holder', { village: V1, category: 'residence-permit' }, ['NOT_ELIGIBLE']],
    ['a college student (not in the 2026 scope)', { village: V1, category: 'college-student' }, ['NOT_ELIGIBLE']],
    ['a pupil with a school', { village: V2, category: 'student', school: '栗子小学' }, ['NOT_ELIGIBLE']],
    ['in employee insurance', { village: V1, category: 'resident', coverage: 'employee' }, ['DUPLICATE_INSURANCE']],
    [
      'a residence-permit holder in employee insurance',
      { village: V1, category: 'residence-permit', coverage: 'employee' },
      ['DUPLICATE_INSURANCE'],
    ],
    [
      'insured in another region',
      { village: V1, category: 'resident', coverage: 'resident-elsewhere' },
      ['DUPLICATE_INSURANCE'],
    ],
    [
      'registered as a residence-permit holder, the file says resident',
      { village: V1, category: 'resident', existing: { category: 'residence-permit', hukou: V1 } },
      ['NOT_ELIGIBLE'],
    ],
    [
      'hukou in another county (Zhong county)',
      { village: V1, category: 'resident', existing: { category: 'resident', hukou: WUYANG_VILLAGE } },
      ['NOT_ELIGIBLE'],
    ],
    [
      'enrolled in Zhong county already',
      {
        village: V1,
        category: 'resident',
        existing: { category: 'resident', hukou: WUYANG_VILLAGE, enrolledIn: WUYANG_VILLAGE },
      },
      ['DUPLICATE_INSURANCE'],
    ],
    [
      'enrolled in another village of the county',
      { village: V1, category: 'resident', existing: { category: 'resident', hukou: V1, enrolledIn: SHETAN_VILLAGE } },
      ['ENROLLMENT_EXISTS'],
    ],
    [
      'registered as deceased',
      { village: V1, category: 'resident', existing: { category: 'resident', hukou: V1, diedOn: '2025-03-01' } },
      ['PERSON_DECEASED'],
    ],
  ];
  const people: Person[] = cases.map(([, { birth, ...p }], i) => ({
    idNumber: idNumber(birth),
    name: `甲${i}`,
    ...p,
  }));
  const broken = idNumber();
  people.push({
    idNumber: broken.slice(0, 17) + (broken[17] === '0' ? '1' : '0'),
    name: '乙',
    village: V1,
    category: 'resident',
  });
  cases.push([
    'an ID number whose check character is wrong',
    { village: V1, category: 'resident' },
    ['VALIDATION_FAILED'],
  ]);

  const api = await compare(t, 2026, people, (p) => cases[people.indexOf(p)]?.[0] ?? p.idNumber);
  t.same(
    people.map((p) => api.get(p.idNumber)),
    cases.map(([, , expected]) => expected),
    'the API answers as the notice says',
  );
  const newborn = (
    await worlds.import.app.inject({
      url: `/v1/enrolments/${people[2]?.idNumber}/2026`,
      headers: worlds.import.keys.admin.headers,
    })
  ).json();
  t.equal(newborn.category, 'newborn');
});

/** A small deterministic generator, so a failing case can be run again. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick };
}

/**
 * People of every category, some registered before (in another category, another county), some
 * insured elsewhere, born on the edges of the year, in the two villages of a township key.
 */
function generatePeople(seed: number, year: number): Person[] {
  const { next, pick } = random(seed);
  const today = shanghaiToday().replaceAll('-', '');
  const edges = [`${year}0101`, `${year}1231`, `${year - 1}1231`, `${year}0615`, '20000229', '19500101', today];
  const people = Array.from({ length: 80 }, (_, i): Person => {
    const birth =
      next() < 0.5
        ? pick(edges)
        : `19${10 + Math.floor(next() * 90)}0${1 + Math.floor(next() * 9)}1${Math.floor(next() * 9)}`;
    const category = pick(PERSON_CATEGORIES);
    const existing =
      next() < 0.35 ? { category: pick(PERSON_CATEGORIES), hukou: pick([V1, V2, WUYANG_VILLAGE]) } : undefined;
    return {
      idNumber: idNumber(birth),
      name: `丙${i}`,
      village: pick([V1, V2]),
      category,
      ...(next() < 0.3 ? { tier: pick([1, 2] as const) } : {}),
      ...(category === 'student' || existing?.category === 'student' ? { school: '栗子中学' } : {}),
      ...(existing ? { existing } : {}),
      ...(next() < 0.15 ? { coverage: pick(['employee', 'resident-elsewhere'] as const) } : {}),
    };
  });
  // Rules refuse a birth date after today on both paths; those are left out here.
  return people.filter((p) => parseIdNumber(p.idNumber, shanghaiToday()).ok);
}

// 2026 under the invented notice (local hukou only), 2025 under cq-2025 (students, newborns,
// permits, HK/Macau/Taiwan residents in scope), 2024 under cq-2024 (some only encouraged).
for (const year of [2026, 2025, 2024]) {
  t.test(`generated people, ${year}: the import answers as the API does, row for row`, async (t) => {
    const seed = Number(process.env.PARITY_SEED ?? 20261) + year;
    t.comment(`seed ${seed} (PARITY_SEED=${seed - year} repeats it)`);
    const people = generatePeople(seed, year);
    const api = await compare(
      t,
      year,
      people,
      (p) =>
        `${p.category}${p.existing ? ` (registered as ${p.existing.category} in ${p.existing.hukou})` : ''} in ${p.village}`,
    );
    const answers = new Map<string, number>();
    for (const outcome of api.values()) answers.set(String(outcome), (answers.get(String(outcome)) ?? 0) + 1);
    t.comment(`API answers: ${JSON.stringify(Object.fromEntries(answers))}`);
    t.ok((answers.get('enrolled') ?? 0) >= 5 && answers.size >= 3, 'the generated people meet several answers');
  });
}

t.test('two imports of one file at once enrol each person once', async (t) => {
  const { app, db, keys } = worlds.import;
  const ids = Array.from({ length: 40 }, () => idNumber('19900101'));
  const csv = ['身份证号,姓名,村(社区)代码', ...ids.map((id, i) => `${id},丁${i},${V2}`)].join('\n');
  const upload = () =>
    app.inject({
      method: 'POST',
      url: '/v1/registration-imports?year=2026&wait=true',
      headers: { ...keys.lizi.headers, 'content-type': 'text/csv' },
      payload: csv,
    });
  const answers = await Promise.all([upload(), upload(), upload()]);
  t.same(
    answers.map((a) => a.statusCode),
    [200, 200, 200],
  );
  t.equal(
    answers.reduce((n, a) => n + a.json().enrolmentsCreated, 0),
    ids.length,
    'each person enrolled by exactly one of them',
  );
  t.same(
    answers.map((a) => a.json().enrolmentsCreated + a.json().rowsUnchanged),
    [ids.length, ids.length, ids.length],
    'the others count them unchanged',
  );
  const rows = await db.selectFrom('enrollment.enrolments').select('id_number').where('id_number', 'in', ids).execute();
  t.equal(rows.length, ids.length);
});
