import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { literalsOf, namesNotViews, othersOf, scanServiceSql } from '../scripts/lib/service-sql.js';

// `pnpm boundaries` (a step of .ci/run) holds the layers apart. Each rule of
// .dependency-cruiser.cjs is run against a small tree that breaks it once, beside imports it allows.

const root = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'boundaries-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // npm packages resolve from the project's node_modules, as they do in the real tree.
  await symlink(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

async function cruise(dir: string): Promise<string[]> {
  const bin = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const args = [bin, '--config', path.join(root, '.dependency-cruiser.cjs'), '-T', 'json', 'packages', 'services'];
  // The cruiser exits non-zero when it finds violations; its JSON is on stdout either way.
  const out = await run(process.execPath, args, { cwd: dir, maxBuffer: 64 << 20 }).catch(
    (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
  );
  const result = JSON.parse(out.stdout) as { summary: { violations: Violation[] } };
  const shortTo = (to: string) => (to.includes('node_modules/') ? (to.split('node_modules/').pop() ?? to) : to);
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${shortTo(v.to)}`).sort();
}

t.test('each import rule fires on its violation and on nothing it allows', async (t) => {
  const dir = await tree({
    'packages/rules/src/pure.ts':
      "import { z } from 'zod';\nimport { two } from './two.js';\nexport const s = z.string().max(two);\n",
    'packages/rules/src/two.ts': 'export const two = 2;\n',
    'packages/rules/src/impure.ts':
      "import { readFileSync } from 'node:fs';\nimport type { Kysely } from 'kysely';\nexport type K = Kysely<unknown>;\nexport const read = readFileSync;\n",
    'packages/kit/src/index.ts': "export { beta } from '../../../services/beta/src/app.js';\n",
    'packages/kit/test/kit.test.ts':
      "import { beta } from '../../../services/beta/src/app.js';\nexport const b = beta;\n",
    'services/alpha/src/app.ts':
      "import type { FastifyInstance } from 'fastify';\nimport things from './routes/things/index.js';\nexport default async (app: FastifyInstance) => app.register(things);\n",
    'services/alpha/src/routes/things/index.ts':
      "import type { FastifyInstance } from 'fastify';\nimport { listThings } from '../../things/things.service.js';\nexport default async (app: FastifyInstance) => { app.get('/', async () => listThings()); };\n",
    'services/alpha/src/things/things.service.ts':
      "import type { FastifyRequest } from 'fastify';\nimport routes from '../routes/things/index.js';\nimport { beta } from '../../../beta/src/app.js';\nexport const listThings = (r?: FastifyRequest) => [routes, beta, r];\n",
    'services/alpha/src/things/lost.ts': "export { nothing } from './nothing-here.js';\n",
    'services/alpha/src/plugins/things.ts':
      "import type { FastifyInstance } from 'fastify';\nimport { listThings } from '../things/things.service.js';\nexport default async (app: FastifyInstance) => app.decorate('things', listThings);\n",
    'services/alpha/src/graphql/resolvers.ts':
      "import type { FastifyReply } from 'fastify';\nimport { listThings } from '../things/things.service.js';\nexport const things = (_: FastifyReply) => listThings();\n",
    'services/beta/src/app.ts': 'export const beta = 1;\n',
  });
  t.same(
    await cruise(dir),
    [
      'domain-not-to-edge: services/alpha/src/things/things.service.ts → services/alpha/src/routes/things/index.ts',
      'domain-not-to-fastify: services/alpha/src/things/things.service.ts → fastify/fastify.js',
      'package-not-to-service: packages/kit/src/index.ts → services/beta/src/app.ts',
      'resolvable: services/alpha/src/things/lost.ts → ./nothing-here.js',
      'rules-is-pure: packages/rules/src/impure.ts → fs',
      'rules-is-pure: packages/rules/src/impure.ts → kysely/dist/esm/index.js',
      'service-not-to-other-service: services/alpha/src/things/things.service.ts → services/beta/src/app.ts',
    ],
    'one violation per broken rule; zod in rules, fastify at the edge (app, routes, plugins, graphql) and a package test starting a service pass',
  );
});

t.test('a service names other services’ schemas only through their views', async (t) => {
  t.same(namesNotViews('select * from enrollment.v_enrollment_facts join reporting.v_regions r'), [], 'views pass');
  t.same(
    namesNotViews('select count(*) from enrollment.enrolments e, "identity"."spells" s'),
    ['enrollment.enrolments', 'identity.spells'],
    'tables of other schemas are named, quoted or not',
  );
  t.same(
    namesNotViews('payment.payments, core.regions, see docs/enrollment.md'),
    ['payment.payments', 'core.regions'],
    "core (enrollment's) counts; a file name does not",
  );

  const literals = literalsOf(
    'x.ts',
    [
      '// a comment naming enrollment.persons is not SQL',
      "const a = db.selectFrom('enrollment.v_targets');",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal
      'const b = sql`select 1 from ${t} join payment.payments p on true`;',
      'const identity = { code: 1 }; const c = identity.code;',
    ].join('\n'),
  );
  t.same(
    literals.flatMap((l) => namesNotViews(l.text).map((n) => `${l.line}: ${n}`)),
    ['3: payment.payments'],
    'string and template literals are read; comments and code are not',
  );

  const dir = await tree({
    'services/reporting/src/repositories/ok.repository.ts':
      "export const q = (db: any) => db.selectFrom('enrollment.v_enrollment_facts').selectAll();\n",
    'services/reporting/src/repositories/bad.repository.ts':
      "export const q = (db: any) =>\n  db.selectFrom('enrollment.persons').selectAll();\n",
    'services/reporting/src/queries/raw.sql': '-- identity.spells in a comment\nselect * from identity.spells;\n',
  });
  t.same(
    (await scanServiceSql(path.join(dir, 'services/reporting/src'), othersOf('reporting'), dir))
      .map((f) => `${f.file}:${f.line} ${f.name}`)
      .sort(),
    [
      'services/reporting/src/queries/raw.sql:2 identity.spells',
      'services/reporting/src/repositories/bad.repository.ts:2 enrollment.persons',
    ],
    'the scan names file and line of each table read around a view',
  );
  t.same(
    namesNotViews(
      'identity.spells, enrollment.persons, core.regions, identity.v_identity_spells',
      othersOf('subsidy-identity'),
    ),
    ['enrollment.persons', 'core.regions'],
    'each service owns its own schema: subsidy-identity names identity.* freely, the rest only by view',
  );
  t.same(namesNotViews('core.api_keys, enrollment.persons', othersOf('enrollment')), [], 'enrollment administers core');
});
