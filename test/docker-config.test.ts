// The container files name services, ports, paths and targets by hand. These checks catch them
// drifting from the code (a service added or renamed, a port default changed, migrations moved)
// without needing Docker on the machine.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { migrationsFolder } from '@rmi/db';
import { BaseConfigSchema, loadConfig } from '@rmi/service-kit';
import t from 'tap';

const root = path.resolve(import.meta.dirname, '..');
const dockerfile = readFileSync(path.join(root, 'docker', 'Dockerfile'), 'utf8');
const compose = readFileSync(path.join(root, 'docker', 'compose.yaml'), 'utf8');
const defaults = loadConfig(BaseConfigSchema, {});

const services = readdirSync(path.join(root, 'services'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(root, 'services', d.name, 'src', 'server.ts')))
  .map((d) => d.name);

/** Each `FROM … AS name` stage's body, keyed by name. */
const stages = new Map<string, string>();
for (const chunk of dockerfile.split(/^(?=FROM\s)/m).slice(1)) {
  const name = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(chunk)?.[1];
  if (name) stages.set(name, chunk);
}

const portKey = (service: string) => `${service.toUpperCase().replaceAll('-', '_')}_PORT` as keyof typeof defaults;

t.test('every service has an image target that runs its compiled server on its default port', async (t) => {
  t.ok(services.length >= 4, 'services found');
  for (const service of services) {
    const stage = stages.get(service);
    if (!stage) {
      t.fail(`no Dockerfile target ${service}`);
      continue;
    }
    const port = defaults[portKey(service)];
    t.match(stage, `CMD ["node", "services/${service}/dist/server.js"]`, `${service} runs dist/server.js`);
    t.match(stage, `ENV ${portKey(service)}=${port}`, `${service} port`);
    t.match(stage, `EXPOSE ${port}`, `${service} exposes ${port}`);
  }
  t.ok(stages.has('migrate'), 'migrate target');
  t.match(stages.get('migrate') ?? '', 'scripts/migrate.ts');
});

t.test('compose builds, publishes and wires every service', async (t) => {
  for (const service of services) {
    const port = defaults[portKey(service)];
    t.match(compose, `target: ${service}\n`, `${service} built from its target`);
    t.match(compose, `"${port}:${port}"`, `${service} published on ${port}`);
    t.match(compose, `http://${service}:${port}\n`, `${service} URL for the others`);
    t.match(compose, `http://127.0.0.1:${port}/ready`, `${service} health check`);
  }
  t.match(compose, 'target: migrate');
  t.match(compose, 'condition: service_completed_successfully');
  t.match(compose, 'CREATE_ADMIN_KEY: "true"');
  t.equal(
    compose.match(/SERVICE_API_KEY: \$\{SERVICE_API_KEY:\?/g)?.length,
    2,
    'one shared service key: required by the services and registered by the migrate job',
  );
});

t.test('service images hold compiled migrations where @rmi/db looks for them', async (t) => {
  t.equal(path.relative(root, migrationsFolder), 'migrations', '@rmi/db reads <root>/migrations');
  const tsconfig = JSON.parse(readFileSync(path.join(root, 'docker', 'tsconfig.migrations.json'), 'utf8')) as {
    compilerOptions: { outDir: string; rootDir: string };
  };
  t.equal(path.resolve(root, 'docker', tsconfig.compilerOptions.rootDir), migrationsFolder.replace(/\/$/, ''));
  const outDir = path.relative(root, path.resolve(root, 'docker', tsconfig.compilerOptions.outDir));
  t.match(stages.get('service') ?? '', `COPY --from=build /app/${outDir} ./migrations`);
});
