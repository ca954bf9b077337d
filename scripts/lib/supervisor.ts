import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

export interface ProgramSpec {
  name: string;
  command: string;
  args: readonly string[];
  options?: Omit<SpawnOptions, 'detached' | 'stdio'>;
}

export interface SupervisorOptions {
  /** Wait before the first restart; it doubles with each quick crash, up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A run at least this long counts as healthy: after it, the wait starts over at `initialDelayMs`. */
  resetAfterMs?: number;
  /** How long `stop()` gives a program after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ProgramStatus {
  name: string;
  /** The running process; undefined while it waits to be restarted. */
  pid: number | undefined;
  restarts: number;
}

export interface Supervisor {
  status(): ProgramStatus[];
  /** SIGTERM to every program, SIGKILL to any still running after `stopTimeoutMs`; no more restarts. */
  stop(): Promise<void>;
}

interface Program {
  spec: ProgramSpec;
  child: ChildProcess | null;
  startedAt: number;
  nextDelay: number;
  restarts: number;
  timer: NodeJS.Timeout | null;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}

/**
 * Runs each program and restarts it whenever it exits without being asked to, waiting 1 s, then
 * 2 s, 4 s … up to 30 s between quick crashes, so a program that cannot start does not spin; one
 * that ran for a minute starts over at 1 s. The other programs are left alone.
 *
 * Each program gets its own process group: Ctrl-C in the terminal then reaches only the
 * supervisor, which stops the programs with a single SIGTERM. (Receiving the terminal's SIGINT
 * and then our SIGTERM, a service would take the second signal as "exit now" and cut its graceful
 * shutdown short; and a program that exited from the terminal's signal would look like a crash.)
 */
export function supervise(specs: readonly ProgramSpec[], options: SupervisorOptions = {}): Supervisor {
  const initialDelayMs = options.initialDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const resetAfterMs = options.resetAfterMs ?? 60_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const log = options.log ?? ((line: string) => console.error(line));
  let stopping = false;

  const programs: Program[] = specs.map((spec) => ({
    spec,
    child: null,
    startedAt: 0,
    nextDelay: initialDelayMs,
    restarts: 0,
    timer: null,
  }));

  function launch(p: Program): void {
    const child = spawn(p.spec.command, [...p.spec.args], {
      ...p.spec.options,
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    p.child = child;
    p.startedAt = Date.now();
    let ended = false;
    const onEnd = (outcome: string) => {
      if (ended) return;
      ended = true;
      p.child = null;
      if (stopping) return;
      const upMs = Date.now() - p.startedAt;
      const wait = upMs >= resetAfterMs ? initialDelayMs : p.nextDelay;
      p.nextDelay = Math.min(wait * 2, maxDelayMs);
      log(`${p.spec.name} ${outcome} after ${formatDuration(upMs)}; restarting it in ${formatDuration(wait)}`);
      p.timer = setTimeout(() => {
        p.timer = null;
        p.restarts++;
        launch(p);
      }, wait);
    };
    child.on('exit', (code, signal) => onEnd(`exited (${signal ? `signal ${signal}` : `code ${code}`})`));
    // Only when it could not be started at all (ENOENT, EACCES); 'exit' may not follow.
    child.on('error', (err) => {
      if (child.pid === undefined) onEnd(`could not start (${err.message})`);
    });
  }

  // Should this process end without stop() (an uncaught error), the programs it started in their
  // own process groups would otherwise outlive it.
  const onExit = () => {
    for (const p of programs) p.child?.kill('SIGTERM');
  };
  process.on('exit', onExit);

  for (const p of programs) launch(p);

  return {
    status: () => programs.map((p) => ({ name: p.spec.name, pid: p.child?.pid, restarts: p.restarts })),
    async stop() {
      stopping = true;
      for (const p of programs) {
        if (p.timer) clearTimeout(p.timer);
        p.timer = null;
      }
      await Promise.all(
        programs.map(async (p) => {
          const child = p.child;
          if (!child || child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<'late'>((resolve) => {
            timer = setTimeout(() => resolve('late'), stopTimeoutMs);
          });
          if ((await Promise.race([exited, late])) === 'late') {
            log(`${p.spec.name} did not stop within ${formatDuration(stopTimeoutMs)}; killing it`);
            child.kill('SIGKILL');
            await exited;
          }
          clearTimeout(timer);
        }),
      );
      process.off('exit', onExit);
    },
  };
}
