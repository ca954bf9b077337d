// One line redrawn in place on a terminal (step, done/total, rate); elsewhere (CI, a pipe) a line
// per step when it ends, so logs stay readable.
export interface Progress {
  start(step: string, total: number): void;
  tick(n?: number): void;
  done(): void;
}

export function progressBar(stream: NodeJS.WriteStream | null = process.stdout): Progress {
  const tty = Boolean(stream?.isTTY);
  let step = '';
  let total = 0;
  let count = 0;
  let started = 0;
  let drawn = 0;
  const draw = (final: boolean) => {
    if (!stream) return;
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(count / seconds) : 0;
    const width = 24;
    const filled = total > 0 ? Math.min(width, Math.round((count / total) * width)) : width;
    const line = `${step.padEnd(34)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${total}  ${rate}/s  ${seconds.toFixed(1)} s`;
    if (tty) stream.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    else if (final) stream.write(`${line}\n`);
  };
  return {
    start(name, n) {
      step = name;
      total = n;
      count = 0;
      started = Date.now();
      drawn = 0;
      draw(false);
    },
    tick(n = 1) {
      count += n;
      // Redraw at most every 100 ms: a terminal write per payment would slow the season.
      if (tty && Date.now() - drawn > 100) {
        drawn = Date.now();
        draw(false);
      }
    },
    done() {
      count = Math.max(count, total);
      draw(true);
    },
  };
}

/** For callers (the test) that want no output. */
export const silentProgress: Progress = { start() {}, tick() {}, done() {} };
