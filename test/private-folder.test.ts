import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readlink, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  BINARIES_CACHE_DIR,
  CLUSTERS_DIR,
  createDb,
  EmbeddedPostgresError,
  installedBinaries,
  startEmbeddedPostgres,
} from '@rmi/db';
import { sql } from 'kysely';
import t from 'tap';

// Root with the project in a folder only its owner may enter (/root/…, any `mktemp -d`): the
// embedded PostgreSQL runs as `postgres`, which can enter neither the installed binaries nor
// `.data/`. Here both sit in such a folder: a hard-linked copy of the installed platform package
// (bin/, lib/, share/ as installed, so the binaries are the real ones) and the data folder. That
// is the failing situation itself, without what a full clone adds (a fresh `pnpm install` of
// every package, a minute or more) to a test about permissions. The whole path — `pnpm test` in a
// mode-700 clone — was checked by hand.

const run = promisify(execFile);

if (process.getuid?.() !== 0) {
  t.test(
    'the embedded server from a private folder, as root',
    { skip: 'needs root: only root hands the server to another user' },
    () => {},
  );
} else {
  t.test('as root, the embedded server runs from binaries and data in a folder `postgres` cannot enter', async (t) => {
    const privateDir = await mkdtemp(path.join(tmpdir(), 'private-folder-'));
    t.teardown(() => rm(privateDir, { recursive: true, force: true }));
    t.equal((await stat(privateDir)).mode & 0o777, 0o700, 'the folder is owner-only');

    const installed = installedBinaries();
    const packageDir = path.join(privateDir, 'node_modules', 'platform-package');
    await mkdir(packageDir, { recursive: true });
    await run('cp', ['-al', installed.nativeDir, path.join(packageDir, 'native')]);
    await run('cp', [path.join(installed.nativeDir, '..', 'package.json'), packageDir]);
    // A file of its own makes this copy's content, so its cache entry, unlike any other: the
    // cached copy is built here, not found from an earlier start, and can be removed afterwards.
    await writeFile(path.join(packageDir, 'native', 'share', `test-${randomBytes(6).toString('hex')}`), '');
    const nativeDir = path.join(packageDir, 'native');

    const dataDir = path.join(privateDir, 'project', '.data', 'pg');
    const start = () => startEmbeddedPostgres({ dataDir, nativeDir });
    const cleanup: string[] = [];
    t.teardown(async () => {
      for (const p of cleanup) await rm(p, { recursive: true, force: true });
    });

    const first = await start();
    const cluster = await realpath(dataDir);
    // Only what this test made is removed: never a path a regression might have pointed elsewhere.
    if (path.dirname(cluster) === CLUSTERS_DIR) cleanup.push(cluster, `${cluster}.link`);
    const db = createDb(first.urlFor('postgres'), { max: 1 });
    const { rows } = await sql<{ dir: string; pid: number }>`
      select current_setting('data_directory') as dir, pg_backend_pid() as pid`.execute(db);
    const exe = await readlink(`/proc/${rows[0]?.pid}/exe`);
    if (path.dirname(path.dirname(path.dirname(exe))) === BINARIES_CACHE_DIR)
      cleanup.push(path.dirname(path.dirname(exe)));
    await sql`create table kept (n int)`.execute(db);
    await sql`insert into kept values (42)`.execute(db);
    await db.destroy();
    await first.stop();

    t.ok((await lstat(dataDir)).isSymbolicLink(), '.data/pg is a symlink');
    t.equal(rows[0]?.dir, cluster, 'to the cluster the server uses');
    t.equal(path.dirname(cluster), CLUSTERS_DIR, 'which lives outside the private folder');
    t.equal(path.dirname(path.dirname(path.dirname(exe))), BINARIES_CACHE_DIR, 'the server ran a cached copy');
    t.equal((await stat(privateDir)).mode & 0o777, 0o700, 'and the folder is still owner-only');

    const second = await start();
    const again = createDb(second.urlFor('postgres'), { max: 1 });
    const kept = await sql<{ n: number }>`select n from kept`.execute(again);
    await again.destroy();
    await second.stop();
    t.same(kept.rows, [{ n: 42 }], 'a second start finds the data through .data/pg');
  });

  t.test('as root, an existing cluster `postgres` cannot reach is one line naming the fix', async (t) => {
    const privateDir = await mkdtemp(path.join(tmpdir(), 'private-folder-'));
    t.teardown(() => rm(privateDir, { recursive: true, force: true }));
    const dataDir = path.join(privateDir, 'project', '.data', 'pg');
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, 'PG_VERSION'), '17\n');
    const err = await startEmbeddedPostgres({ dataDir }).catch((e: unknown) => e);
    t.ok(err instanceof EmbeddedPostgresError, 'a known problem');
    t.match((err as Error).message, /cannot reach the existing cluster .*chmod o\+x/);
    t.notMatch((err as Error).message, /\n/, 'on one line');
  });
}
