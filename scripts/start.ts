// `pnpm start`: one database (embedded under .data/, or DATABASE_URL), migrated and seeded, and the
// four services as supervised child processes: one that crashes is restarted, the others and the
// database keep running. Ctrl-C stops the services, then the database.
import path from 'node:path';
import { EmbeddedPostgresError, prepareDatabase } from '@rmi/db';
import { BaseConfigSchema, ConfigError, loadConfig } from '@rmi/service-kit';
import { ensureAdminKey, ensureDashboardKey, hasKeyFile } from './lib/admin-key.js';
import { dataDir, openTarget, root, type Target } from './lib/database.js';
import { loadDemoData, wantsDemoData } from './lib/demo-data.js';
import { rotateInternalServiceKey } from './lib/service-key.js';
import { type Supervisor, supervise } from './lib/supervisor.js';

const SERVICES = [
  { name: 'enrollment', portKey: 'ENROLLMENT_PORT', extra: ['/v1/quotes (public)'] },
  { name: 'subsidy-identity', portKey: 'SUBSIDY_IDENTITY_PORT', extra: [] },
  { name: 'payment-reconciliation', portKey: 'PAYMENT_RECONCILIATION_PORT', extra: [] },
  { name: 'reporting', portKey: 'REPORTING_PORT', extra: ['/graphql', '/graphiql', '/dashboard'] },
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

let target: Target | null = null;
let supervisor: Supervisor | null = null;
let stopping = false;

/** Stops whatever has been started so far: the services, then the database. */
async function stop(code: number): Promise<never> {
  // A second Ctrl-C: leave now. The exit hooks still signal the services and the database.
  if (stopping) process.exit(code);
  stopping = true;
  if (supervisor) {
    console.log('\nStopping services …');
    await supervisor.stop();
  }
  if (target?.embedded) {
    console.log('Stopping the embedded PostgreSQL …');
    await target.embedded.stop();
  }
  process.exit(code);
}
// Installed before anything starts: the embedded server runs in its own process group (so Ctrl-C
// reaches only this process, which stops it last) and is stopped from here on every signal.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(0));

/** Prints one line for problems that have one (no stack), the error otherwise, and stops. */
async function fail(err: unknown): Promise<never> {
  if (stopping) return new Promise<never>(() => {}); // interrupted mid-start; stop() exits
  console.error(err instanceof EmbeddedPostgresError ? `Cannot start the embedded PostgreSQL: ${err.message}` : err);
  return stop(1);
}

console.log(process.env.DATABASE_URL ? 'Using DATABASE_URL.' : 'Starting the embedded PostgreSQL under .data/pg …');
let serviceKey: string;
let admin: Awaited<ReturnType<typeof ensureAdminKey>>;
let demo: boolean;
const keyFile = path.join(dataDir, 'admin-key');
const dashboardKeyFile = path.join(dataDir, 'dashboard-key');
try {
  target = await openTarget({ ownProcessGroup: true });
  await prepareDatabase(target.db, { demoRegions: true });
  admin = await ensureAdminKey(target.db, keyFile);
  // The demo county's dashboard (丰都县): /dashboard asks for this key.
  await ensureDashboardKey(target.db, dashboardKeyFile, '500230');
  serviceKey = await rotateInternalServiceKey(target.db);
  demo = await wantsDemoData(target.db);
} catch (err) {
  await fail(err);
  throw err; // not reached: fail() exits
}
const { db, url, embedded } = target;

supervisor = supervise(
  SERVICES.map((s) => ({
    name: s.name,
    command: process.execPath,
    args: ['--conditions=rmi-source', '--import', 'tsx', path.join(root, 'services', s.name, 'src', 'server.ts')],
    options: {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: url,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        SERVICE_API_KEY: serviceKey,
      },
    },
  })),
);

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
    demoNote = `  demo data                ${await loadDemoData(db, { enrollment: base(SERVICES[0]), subsidyIdentity: base(SERVICES[1]), payment: base(SERVICES[2]) })} (DEMO_DATA=false skips)\n`;
  } catch (err) {
    demoNote = `  demo data                not loaded: ${String(err)}\n`;
  }
}
await db.destroy();
if (stopping) await new Promise(() => {}); // Ctrl-C while starting: stop() exits

const lines = SERVICES.map((s) => {
  const b = base(s);
  return `  ${s.name.padEnd(24)} ${b}   docs ${b}/docs   ready ${b}/ready${s.extra.map((e) => `   ${b}${e.startsWith('/') ? e : ` ${e}`}`).join('')}`;
});
console.log(`
Resident medical insurance is running.
${lines.join('\n')}
  database                 ${embedded ? 'embedded PostgreSQL (data in .data/pg)' : 'DATABASE_URL'}
${demoNote}${
  admin.created
    ? `  admin API key (shown once, saved to .data/admin-key): ${admin.key}`
    : `  admin API key: ${hasKeyFile(keyFile) ? 'in .data/admin-key' : 'created earlier (not on this machine)'}`
}
  dashboard key (丰都县, read-only): in .data/dashboard-key, for ${base(SERVICES[3])}/dashboard
Try: curl -H "Authorization: Bearer $(cat .data/admin-key)" ${base(SERVICES[0])}/v1/regions/500230209
A service that exits is restarted. Press Ctrl-C to stop.`);
