import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTraversable } from './embedded-binaries.js';
import { isRunning, stopOrphan } from './embedded-process.js';
import { canEnter, EmbeddedPostgresError, type RunAs } from './embedded-user.js';

/**
 * Where root keeps the clusters its `postgres` user cannot keep in the project: state, so not a
 * temp folder (a cleaner that ages files would take a table's files and leave the rest). Each
 * cluster `<name>-<hash of its project path>` has a `<same>.link` naming the `.data/…` symlink that
 * points to it, so clusters whose project is gone can be told apart and removed.
 */
export const CLUSTERS_DIR = '/var/lib/resident-medical-insurance/embedded-postgres';

/**
 * The folder PostgreSQL keeps the cluster for `dataDir` in. That is `dataDir` itself, except
 * when we are root and a folder above it is private (mode 700, as /root and `mktemp -d` are):
 * PostgreSQL runs as `postgres`, which cannot enter it, and opening the folder up would change
 * the permissions of the user's own folders behind their back. Then the cluster lives in
 * CLUSTERS_DIR and `dataDir` becomes a symlink to it, so it is still found, and removed, under
 * `.data/`. An existing symlink is followed, wherever it points.
 */
export async function clusterDir(dataDir: string, account: RunAs | null, log: (line: string) => void): Promise<string> {
  await mkdir(path.dirname(dataDir), { recursive: true });
  const st = await lstat(dataDir).catch(() => null);
  if (st?.isSymbolicLink()) {
    const target = path.resolve(path.dirname(dataDir), await readlink(dataDir));
    if (account) {
      await pruneClusters(log);
      if (!existsSync(path.dirname(target))) await makeTraversable(path.dirname(target));
      // Refreshed on every start: a project that was moved points here from its new place.
      if (path.dirname(target) === CLUSTERS_DIR) await writeFile(`${target}.link`, `${dataDir}\n`);
    }
    return target;
  }
  if (!account || (await canEnter(account, path.dirname(dataDir)))) return dataDir;
  if (st) {
    if (!st.isDirectory() || (await readdir(dataDir)).length > 0) {
      throw new EmbeddedPostgresError(
        `PostgreSQL runs as the \`postgres\` user, which cannot reach the existing cluster ${dataDir} (a folder above it is private): move it away to start afresh, or let the user through (chmod o+x on each folder above it)`,
      );
    }
    await rmdir(dataDir);
  }

  try {
    await makeTraversable(CLUSTERS_DIR);
  } catch (err) {
    throw new EmbeddedPostgresError(`cannot create ${CLUSTERS_DIR} for the embedded PostgreSQL: ${String(err)}`);
  }
  await pruneClusters(log);
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const target = path.join(CLUSTERS_DIR, `${path.basename(dataDir).replace(/[^\w.-]/g, '_')}-${hash}`);
  // Nothing points here yet, so whatever is here was left by an earlier project at this path (a
  // deleted clone); its password went with it.
  await stopOrphan(target);
  await rm(target, { recursive: true, force: true });
  await writeFile(`${target}.link`, `${dataDir}\n`);
  await symlink(target, dataDir);
  log(`${dataDir} is a symlink to ${target}: the \`postgres\` user cannot enter the folders above it`);
  return target;
}

/** Whether the symlink named in `<dir>.link` still points to `dir`. */
async function referenced(dir: string): Promise<boolean> {
  try {
    const link = (await readFile(`${dir}.link`, 'utf8')).trim();
    return path.resolve(path.dirname(link), await readlink(link)) === dir;
  } catch {
    return false;
  }
}

/**
 * Removes the clusters nothing points to any more (the project, or its `.data/`, was deleted), so
 * CI's fresh clones do not fill the disk. One touched in the last minute is left alone: another
 * start may be setting it up. (A project moved elsewhere and not started since loses its cluster
 * this way; it starts with an empty one.)
 */
async function pruneClusters(log: (line: string) => void): Promise<void> {
  let names: string[];
  try {
    names = await readdir(CLUSTERS_DIR);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.endsWith('.link') || name.startsWith('.')) continue;
    const dir = path.join(CLUSTERS_DIR, name);
    const st = await lstat(dir).catch(() => null);
    if (!st?.isDirectory() || Date.now() - st.mtimeMs < 60_000) continue;
    if ((await referenced(dir)) || (await isRunning(dir))) continue;
    await rm(dir, { recursive: true, force: true });
    await rm(`${dir}.link`, { force: true });
    log(`removed ${dir}: the project folder it belonged to is gone`);
  }
}
