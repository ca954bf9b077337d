import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times: 100 on every Linux this runs on (USER_HZ). */
const TICKS = 100;

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; null where there is
 * no /proc. On a machine shared with other work, a server's throughput follows the CPU share it is
 * given, while the CPU it spends per request does not: the per-request figure is the steadier one.
 */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

/**
 * Seconds the process's main thread (the event loop) has spent runnable but waiting for a CPU,
 * from /proc/<pid>/schedstat; null where there is none. Each round trip to PostgreSQL ends in such
 * a wait when the machine has more runnable work than cores.
 */
export function runQueueSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const [, waiting] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ');
    return Number(waiting) / 1e9;
  } catch {
    return null;
  }
}
