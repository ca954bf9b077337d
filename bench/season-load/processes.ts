import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@rmi/db';
import { root } from '../../scripts/lib/service-processes.js';

export interface BareProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** bare-server.ts as its own process on a free port, started as the services are (tsx, sources). */
export async function startBare(databaseUrl: string, env: Record<string, string>): Promise<BareProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--conditions=rmi-source', '--import', 'tsx', path.join(import.meta.dirname, 'bare-server.ts')],
    {
      cwd: root,
      env: { ...process.env, ...env, DATABASE_URL: databaseUrl, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes('listening')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => reject(new Error(`the bare server exited (${code}):\n${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await ready;
  return { url: `http://127.0.0.1:${port}`, child, output: () => out, exited };
}
