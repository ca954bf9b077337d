// The four services as real processes on one database, each on a free port and told where the
// others listen, as `pnpm start` runs them: the payment applier reaches enrollment, the outboxes
// reach reporting (and subsidy-identity's reaches enrollment for deaths).
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@rmi/db';

export const root = path.resolve(import.meta.dirname, '..', '..');

export const SERVICES = [
  { name: 'enrollment', portKey: 'ENROLLMENT_PORT', urlKey: 'ENROLLMENT_URL' },
  { name: 'subsidy-identity', portKey: 'SUBSIDY_IDENTITY_PORT', urlKey: 'SUBSIDY_IDENTITY_URL' },
  { name: 'payment-reconciliation', portKey: 'PAYMENT_RECONCILIATION_PORT', urlKey: 'PAYMENT_RECONCILIATION_URL' },
  { name: 'reporting', portKey: 'REPORTING_PORT', urlKey: 'REPORTING_URL' },
] as const;

export type ServiceName = (typeof SERVICES)[number]['name'];

export interface RunningService {
  name: ServiceName;
  url: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** Starts a service's real server.ts as its own process on a free port (or `port`), as `pnpm start` does. */
export async function startService(
  name: ServiceName,
  databaseUrl: string,
  env: Record<string, string> = {},
  port?: number,
): Promise<RunningService> {
  const service = SERVICES.find((s) => s.name === name);
  if (!service) throw new Error(`unknown service ${name}`);
  const listen = port ?? (await freePort());
  const child = spawn(
    process.execPath,
    ['--conditions=rmi-source', '--import', 'tsx', path.join(root, 'services', name, 'src', 'server.ts')],
    {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl, [service.portKey]: String(listen), LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  // Only the tail is kept: a long run at LOG_LEVEL=info would otherwise hold every line.
  const keep = (d: Buffer) => {
    out += d;
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${listen}`;
  // Generous: on a loaded two-core machine several services compile their sources at once.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited early:\n${out}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, url, child, output: () => out, exited };
}

export interface ServiceSet {
  urls: Record<ServiceName, string>;
  running: RunningService[];
  stop(): Promise<void>;
}

/** SIGTERM, then SIGKILL if the process has not ended within `graceMs`; waits for it to exit. */
export async function stopProcess(
  p: { child: ChildProcess; exited: Promise<number | null> },
  graceMs = 15_000,
): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

/** Stops services with SIGTERM and waits for each to exit (SIGKILL after `graceMs`). */
export async function stopServices(running: readonly RunningService[], graceMs = 15_000): Promise<void> {
  await Promise.all(running.map((s) => stopProcess(s, graceMs)));
}

/**
 * All four, wired to each other: ports are chosen first so every process learns every URL.
 * Polling intervals are short so a scripted season waits on the services, not on their timers.
 */
export async function startServices(
  databaseUrl: string,
  serviceKey: string,
  env: Record<string, string> = {},
): Promise<ServiceSet> {
  const ports = await Promise.all(SERVICES.map(() => freePort()));
  const wiring: Record<string, string> = {};
  const urls = {} as Record<ServiceName, string>;
  SERVICES.forEach((s, i) => {
    wiring[s.portKey] = String(ports[i]);
    wiring[s.urlKey] = `http://127.0.0.1:${ports[i]}`;
    urls[s.name] = `http://127.0.0.1:${ports[i]}`;
  });
  const common = {
    ...wiring,
    SERVICE_API_KEY: serviceKey,
    LOG_LEVEL: 'warn',
    OUTBOX_POLL_MS: '200',
    APPLY_POLL_MS: '200',
    APPLY_RETRY_MS: '500',
    // A week's tax export streams into the database as it arrives: on a busy server it takes
    // longer than the default 30 s to be read (the README's advice for large files).
    REQUEST_TIMEOUT_MS: '600000',
    SNAPSHOT_CHECK_MS: '0',
    ...env,
  };
  // Started side by side: each spends its first seconds compiling its sources.
  const started = await Promise.allSettled(SERVICES.map((s, i) => startService(s.name, databaseUrl, common, ports[i])));
  const running = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await stopServices(running);
    throw failed.reason;
  }
  return { urls, running, stop: () => stopServices(running) };
}
