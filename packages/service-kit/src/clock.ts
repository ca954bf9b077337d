const SHANGHAI_DAY = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** Today's civil date in Asia/Shanghai, `YYYY-MM-DD`, whatever the server's own time zone. */
export function shanghaiToday(now: Date = new Date()): string {
  return SHANGHAI_DAY.format(now);
}
