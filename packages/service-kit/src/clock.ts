import { shanghaiDateOf } from '@rmi/rules';

/** Today's civil date in Asia/Shanghai, `YYYY-MM-DD`, whatever the server's own time zone. */
export function shanghaiToday(now: Date = new Date()): string {
  return shanghaiDateOf(now);
}
