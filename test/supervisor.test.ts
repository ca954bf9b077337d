import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, freePort } from '@rmi/db';
import t from 'tap';
import { type ProgramSpec, type Supervisor, supervise } from '../scripts/lib/supervisor.js';
import { root } from './helpers/services.js';

// The supervisor `pnpm start` runs the services under, over real processes.

const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
const alive = (pid: number | undefined) => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A shell script as its own process: it starts in a millisecond even on a busy machine, so the
 * run times the backoff depends on are the script's own. */
const script = (name: string, source: string, env: Record<string, string> = {}): ProgramSpec => ({
  name,
  command: '/bin/sh',
  args: ['-c', source],
  options: { env: { ...process.env, ...env } },
});

// Counts its runs in a file and ends each differently: exit 3, killed by SIGKILL, exit 4 twice,
// then a run longer than resetAfterMs that ends with exit 6; from the sixth run on it stays up.
const CRASHER = `
n=$(cat "$RUNS_FILE" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$RUNS_FILE"
case $n in
  1) exit 3 ;;
  2) kill -KILL $$ ;;
  3|4) exit 4 ;;
  5) sleep 2; exit 6 ;;
  *) exec sleep 1000 ;;
esac`;

t.test('a program that exits is restarted with a doubling, capped, resetting wait; its sibling runs on', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'supervisor-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const runsFile = path.join(dir, 'runs');
  const lines: string[] = [];
  const supervisor = supervise(
    [script('crasher', CRASHER, { RUNS_FILE: runsFile }), script('steady', 'exec sleep 1000')],
    {
      initialDelayMs: 50,
      maxDelayMs: 200,
      resetAfterMs: 1000,
      log: (l) => lines.push(l),
    },
  );
  t.teardown(() => supervisor.stop());
  await until('both to start', () => supervisor.status().every((s) => s.pid !== undefined));
  const steadyPid = supervisor.status()[1]?.pid;

  await until('the sixth run', async () => (await readFile(runsFile, 'utf8').catch(() => '')).trim() === '6');
  await until('the sixth run to be up', () => supervisor.status()[0]?.pid !== undefined);
  t.match(lines, [
    /^crasher exited \(code 3\) after [\d.]+ m?s; restarting it in 50 ms$/,
    /^crasher exited \(signal SIGKILL\) after [\d.]+ m?s; restarting it in 100 ms$/,
    /^crasher exited \(code 4\) after [\d.]+ m?s; restarting it in 200 ms$/,
    /^crasher exited \(code 4\) after [\d.]+ m?s; restarting it in 200 ms$/,
    // It had been up for 2 s, longer than resetAfterMs: the wait starts over.
    /^crasher exited \(code 6\) after [\d.]+ s; restarting it in 50 ms$/,
  ]);
  t.equal(lines.length, 5, 'one line per exit, naming the program and how it ended');
  const [crasher, steady] = supervisor.status();
  t.equal(crasher?.restarts, 5);
  t.ok(alive(crasher?.pid), 'the crasher is running again');
  t.equal(steady?.pid, steadyPid, 'the sibling was never restarted');
  t.equal(steady?.restarts, 0);
  t.ok(alive(steadyPid), 'and is still running');

  await supervisor.stop();
  t.notOk(alive(crasher?.pid), 'stop() ended the crasher');
  t.notOk(alive(steadyPid), 'and the sibling');
  await new Promise((r) => setTimeout(r, 300));
  t.equal((await readFile(runsFile, 'utf8')).trim(), '6', 'nothing was restarted after stop()');
  t.equal(lines.length, 5, 'an exit asked for is not reported as a crash');
});

t.test('stop() kills a program that ignores SIGTERM once stopTimeoutMs has passed', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'supervisor-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const readyFile = path.join(dir, 'ready');
  const lines: string[] = [];
  const supervisor = supervise(
    [script('stubborn', `trap '' TERM; echo > "$READY_FILE"; while :; do sleep 0.1; done`, { READY_FILE: readyFile })],
    { stopTimeoutMs: 300, log: (l) => lines.push(l) },
  );
  await until('it to ignore SIGTERM', () => existsSync(readyFile));
  const pid = supervisor.status()[0]?.pid;
  const started = Date.now();
  await supervisor.stop();
  t.ok(Date.now() - started >= 290, 'it was given the time');
  t.notOk(alive(pid), 'then killed');
  t.same(lines, ['stubborn did not stop within 300 ms; killing it']);
});

t.test('a program that cannot be started is retried like one that crashed', async (t) => {
  const lines: string[] = [];
  const supervisor = supervise([{ name: 'missing', command: '/nonexistent/program', args: [] }], {
    initialDelayMs: 50,
    log: (l) => lines.push(l),
  });
  await until('two attempts', () => lines.length >= 2);
  await supervisor.stop();
  t.match(
    lines[0],
    /^missing could not start \(spawn \/nonexistent\/program ENOENT\) after [\d.]+ m?s; restarting it in 50 ms$/,
  );
  t.match(lines[1], /restarting it in 100 ms$/);
});

t.test('a real service killed under the supervisor comes back; the other service keeps serving', async (t) => {
  const tdb = await createTestDatabase();
  t.teardown(() => tdb.destroy());
  const ports = { enrollment: await freePort(), 'subsidy-identity': await freePort() };
  const lines: string[] = [];
  const service = (name: keyof typeof ports, portKey: string): ProgramSpec => ({
    name,
    command: process.execPath,
    args: ['--conditions=rmi-source', '--import', 'tsx', path.join(root, 'services', name, 'src', 'server.ts')],
    options: {
      cwd: root,
      env: { ...process.env, DATABASE_URL: tdb.url, [portKey]: String(ports[name]), LOG_LEVEL: 'silent' },
    },
  });
  const supervisor: Supervisor = supervise(
    [service('enrollment', 'ENROLLMENT_PORT'), service('subsidy-identity', 'SUBSIDY_IDENTITY_PORT')],
    { initialDelayMs: 100, log: (l) => lines.push(l) },
  );
  t.teardown(() => supervisor.stop());
  const ready = async (name: keyof typeof ports) =>
    fetch(`http://127.0.0.1:${ports[name]}/ready`).then(
      (r) => r.ok,
      () => false,
    );
  await until(
    'both services ready',
    async () => (await ready('enrollment')) && (await ready('subsidy-identity')),
    60_000,
  );
  const [before, sibling] = supervisor.status();

  process.kill(before?.pid as number, 'SIGKILL');
  await until('the restart line', () => lines.length > 0);
  t.match(lines, [/^enrollment exited \(signal SIGKILL\) after [\d.]+ m?s; restarting it in 100 ms$/]);
  t.ok(await ready('subsidy-identity'), 'the other service answered while enrollment was down');
  await until('enrollment ready again', () => ready('enrollment'), 60_000);
  const [after, siblingAfter] = supervisor.status();
  t.not(after?.pid, before?.pid, 'enrollment is a new process');
  t.equal(after?.restarts, 1);
  t.equal(siblingAfter?.pid, sibling?.pid, 'subsidy-identity was not restarted');

  await supervisor.stop();
  t.notOk(alive(after?.pid), 'stop() ended enrollment');
  t.notOk(alive(sibling?.pid), 'and subsidy-identity');
  t.equal(lines.length, 1, 'a stop asked for is not reported as a crash');
});
