// Display formats of the dashboard: counts of persons, rates, yuan from integer fen.

const COUNT = new Intl.NumberFormat('zh-CN');

export const count = (n) => COUNT.format(n);

/** A rate 0..1 (and beyond) as a percentage with one decimal. */
export const percent = (rate) => `${(rate * 100).toFixed(1)}%`;

/** A change of rate in percentage points, with the arrow a township report uses. */
export function change(rateChange) {
  if (rateChange === null || rateChange === undefined) return { text: '—', trend: 'none' };
  const points = (Math.abs(rateChange) * 100).toFixed(1);
  if (points === '0.0') return { text: '持平', trend: 'flat' };
  return rateChange > 0 ? { text: `▲ ${points}个百分点`, trend: 'up' } : { text: `▼ ${points}个百分点`, trend: 'down' };
}

/**
 * Integer fen (a number, or a string for amounts beyond 2^53) as yuan: "¥1,234.50". Whole-number
 * arithmetic, so no amount is rounded on the way.
 */
export function yuan(fen) {
  const value = BigInt(fen);
  const abs = value < 0n ? -value : value;
  const cents = String(abs % 100n).padStart(2, '0');
  return `${value < 0n ? '-' : ''}¥${(abs / 100n).toLocaleString('zh-CN')}.${cents}`;
}

/** "南江村村民委员会" → "南江村", "栗子社区居民委员会" → "栗子社区": the name a report prints. */
export const shortName = (name) => name.replace(/(村民委员会|居民委员会)$/, '') || name;

/** The calendar year in Asia/Shanghai, whatever the computer's own time zone. */
export function shanghaiDate(now = new Date()) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric' })
    .formatToParts(now)
    .reduce((acc, p) => Object.assign(acc, { [p.type]: Number(p.value) }), {});
  return { year: parts.year, month: parts.month };
}
