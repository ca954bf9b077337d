import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@rmi/db';

export const root = path.resolve(import.meta.dirname, '..', '..');

export const SERVICES = [
  { name: 'enrollment', portKey: 'ENROLLMENT_PORT' },
  { name: 'subsidy-identity', portKey: 'SUBSIDY_IDENTITY_PORT' },
  { name: 'payment-reconciliation', portKey: 'PAYMENT_RECONCILIATION_PORT' },
  { name: 'reporting', portKey: 'REPORTING_PORT' },
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

/** Starts a service's real server.ts as its own process on a free port, as `pnpm start` does. */
export async function startService(
  name: ServiceName,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<RunningService> {
  const service = SERVICES.find((s) => s.name === name);
  if (!service) throw new Error(`unknown service ${name}`);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--conditions=rmi-source', '--import', 'tsx', path.join(root, 'services', name, 'src', 'server.ts')],
    {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl, [service.portKey]: String(port), LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
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
