// Loaded with NODE_OPTIONS=--import (which refuses --cpu-prof itself) when BENCH_CPU_PROF=1: profiles
// the process from start to exit and writes a .cpuprofile into SEASON_LOAD_PROFILE_DIR, for
// Chrome DevTools or speedscope. An in-process inspector session answers synchronously, so the
// profile can be taken in the exit handler.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.SEASON_LOAD_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      const name = `${path.basename(process.argv[1] ?? 'node', '.ts')}-${process.pid}.cpuprofile`;
      writeFileSync(path.join(dir, name), JSON.stringify(result.profile));
    });
  });
}
