import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A problem with the embedded server that one line explains; the scripts print only its message. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

/** The account PostgreSQL runs as when we are root (it refuses to run as root itself). */
export interface RunAs {
  uid: number;
  gid: number;
}

export const POSTGRES_USER = 'postgres';

async function ids(): Promise<RunAs | null> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', POSTGRES_USER]), run('id', ['-g', POSTGRES_USER])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return null;
  }
}

/**
 * Null unless we are root. As root, the `postgres` account (created as a system user when
 * missing, as a package of PostgreSQL would) that initdb and the server run as.
 */
export async function postgresAccount(log: (line: string) => void): Promise<RunAs | null> {
  if (process.getuid?.() !== 0) return null;
  const existing = await ids();
  if (existing) return existing;
  try {
    await run('groupadd', ['--system', POSTGRES_USER]).catch((err) => {
      if (err.code !== 9) throw err; // 9: the group exists already
    });
    await run('useradd', ['--system', '--no-create-home', '--gid', POSTGRES_USER, POSTGRES_USER]);
  } catch (err) {
    throw new EmbeddedPostgresError(
      `PostgreSQL cannot run as root and creating a \`${POSTGRES_USER}\` user failed (${String(err).split('\n')[0]}): create one (useradd --system ${POSTGRES_USER}) or run as a normal user.`,
    );
  }
  log(`created the system user \`${POSTGRES_USER}\` to run the embedded PostgreSQL (it refuses to run as root)`);
  const created = await ids();
  if (!created) throw new EmbeddedPostgresError(`the user \`${POSTGRES_USER}\` was created but \`id\` cannot find it`);
  return created;
}

/**
 * Whether `account` can enter `dir` (every folder above it included) and use the `executables`
 * below it (files it may run, folders it may search). Asked of a real process running as that
 * account rather than worked out from modes, so ACLs, groups and mount options count exactly as
 * they will for PostgreSQL.
 */
export async function canEnter(account: RunAs, dir: string, executables: readonly string[] = []): Promise<boolean> {
  const script = ['cd -- "$1"', ...executables.map((_, i) => `test -x "\${${i + 2}}"`)].join(' && ');
  try {
    // cwd `/`: the caller's own folder may be one the account cannot enter.
    await run('/bin/sh', ['-c', script, 'sh', dir, ...executables], { uid: account.uid, gid: account.gid, cwd: '/' });
    return true;
  } catch {
    return false;
  }
}
