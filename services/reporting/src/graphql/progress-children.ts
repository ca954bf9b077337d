import type { ProgressNode } from '../progress/figures.js';
import { childrenOf, type FiguresSource } from '../progress/progress.js';
import type { Context } from './context.js';

interface Waiting {
  code: string;
  source: FiguresSource;
  resolve(nodes: ProgressNode[]): void;
  reject(err: unknown): void;
}

/** The regions of one request waiting for their children, until the executor has walked the level. */
const waitingBy = new WeakMap<Context, Waiting[]>();

/**
 * The children of a region that were not read with it, batched like a loader: every region of one
 * level asks while the executor walks that level, and one statement per figures source answers all
 * of them on the next tick. Not a mercurius loader: its cache keys each call by the whole parent
 * object (its prefetched children included) through a stable stringify, which cost more than the
 * dashboard's statement itself.
 */
export function childrenLater(ctx: Context, code: string, source: FiguresSource): Promise<ProgressNode[]> {
  return new Promise((resolve, reject) => {
    let waiting = waitingBy.get(ctx);
    if (!waiting) {
      const batch: Waiting[] = [];
      waiting = batch;
      waitingBy.set(ctx, batch);
      process.nextTick(() => {
        waitingBy.delete(ctx);
        void answer(ctx, batch);
      });
    }
    waiting.push({ code, source, resolve, reject });
  });
}

async function answer(ctx: Context, batch: Waiting[]): Promise<void> {
  const bySource = new Map<string, Waiting[]>();
  for (const w of batch) {
    const key = `${w.source.year}\n${w.source.snapshotId}`;
    const group = bySource.get(key);
    if (group) group.push(w);
    else bySource.set(key, [w]);
  }
  for (const group of bySource.values()) {
    try {
      const read = await childrenOf(
        ctx.deps.db,
        (group[0] as Waiting).source,
        group.map((w) => w.code),
      );
      for (const w of group) w.resolve(read.get(w.code) ?? []);
    } catch (err) {
      for (const w of group) w.reject(err);
    }
  }
}
