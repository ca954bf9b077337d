// `pnpm start`: one database (embedded under .data/, or DATABASE_URL), migrated and seeded, and the
// four services as child processes. Ctrl-C stops the services, then the database.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { prepareDatabase } from '@rmi/db';
import { BaseConfigSchema, ConfigError, loadConfig } from '@rmi/service-kit';
import { ensureAdminKey, hasKeyFile } from './lib/admin-key.js';
import { dataDir, openTarget, root } from './lib/database.js';
import { loadDemoData, wantsDemoData } from './lib/demo-data.js';
import { rotateInternalServiceKey } from './lib/service-key.js';

const SERVICES = [
  { name: 'enrollment', portKey: 'ENROLLMENT_PORT', extra: ['/v1/quotes (public)'] },
  { name: 'subsidy-identity', portKey: 'SUBSIDY_IDENTITY_PORT', extra: [] },
  { name: 'payment-reconciliation', portKey: 'PAYMENT_RECONCILIATION_PORT', extra: [] },
  { name: 'reporting', portKey: 'REPORTING_PORT', extra: ['/graphql', '/graphiql'] },
] as const;

let config: ReturnType<typeof loadConfig<typeof BaseConfigSchema>>;
try {
  config = loadConfig(BaseConfigSchema);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

console.log(process.env.DATABASE_URL ? 'Using DATABASE_URL.' : 'Starting the embedded PostgreSQL under .data/pg …');
const target = await openTarget();
await prepareDatabase(target.db, { demoRegions: true });
const keyFile = path.join(dataDir, 'admin-key');
const admin = await ensureAdminKey(target.db, keyFile);
const serviceKey = await rotateInternalServiceKey(target.db);
const demo = await wantsDemoData(target.db);

const children: ChildProcess[] = SERVICES.map((s) =>
  spawn(
    process.execPath,
    ['--conditions=rmi-source', '--import', 'tsx', path.join(root, 'services', s.name, 'src', 'server.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: target.url,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        SERVICE_API_KEY: serviceKey,
      },
      stdio: 'inherit',
    },
  ),
);

let stopping = false;
async function stop(code: number): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  console.log('\nStopping services …');
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
  if (target.embedded) {
    console.log('Stopping the embedded PostgreSQL …');
    await target.embedded.stop();
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
for (const [i, child] of children.entries()) {
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${SERVICES[i]?.name} exited (${signal ?? code}); stopping the others.`);
      void stop(1);
    }
  });
}

const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST;
const base = (s: (typeof SERVICES)[number]) => `http://${host}:${config[s.portKey]}`;

async function waitReady(url: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready`);
}

try {
  const deadline = Date.now() + 60_000;
  await Promise.all(SERVICES.map((s) => waitReady(base(s), deadline)));
} catch (err) {
  console.error(String(err));
  await stop(1);
}

let demoNote = '';
if (demo) {
  try {
    demoNote = `  demo data                ${await loadDemoData(target.db, base(SERVICES[0]), serviceKey)} (DEMO_DATA=false skips)\n`;
  } catch (err) {
    demoNote = `  demo data                not loaded: ${String(err)}\n`;
  }
}
await target.db.destroy();

const lines = SERVICES.map((s) => {
  const b = base(s);
  return `  ${s.name.padEnd(24)} ${b}   docs ${b}/docs   ready ${b}/ready${s.extra.map((e) => `   ${b}${e.startsWith('/') ? e : ` ${e}`}`).join('')}`;
});
console.log(`
Resident medical insurance is running.
${lines.join('\n')}
  database                 ${target.embedded ? 'embedded PostgreSQL (data in .data/pg)' : 'DATABASE_URL'}
${demoNote}${
  admin.created
    ? `  admin API key (shown once, saved to .data/admin-key): ${admin.key}`
    : `  admin API key: ${hasKeyFile(keyFile) ? 'in .data/admin-key' : 'created earlier (not on this machine)'}`
}
Try: curl -H "Authorization: Bearer $(cat .data/admin-key)" ${base(SERVICES[0])}/v1/regions/500230209
Press Ctrl-C to stop.`);
