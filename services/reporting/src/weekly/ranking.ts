/** A village's standing in a week: paid against target (rate 0 without a target). */
export interface Standing {
  code: string;
  target: number;
  paid: number;
}

export interface Ranked<T extends Standing> {
  village: T;
  /** 1 for the highest rate; equal rates share a rank and the next rank skips (1, 2, 2, 4). */
  rank: number;
}

/** A rate as an exact fraction: counts compare by cross-multiplying, never as rounded floats. */
function fraction(s: Standing): [number, number] {
  return s.target > 0 ? [s.paid, s.target] : [0, 1];
}

/** Positive when `a`'s rate is above `b`'s, 0 when equal. */
export function compareRates(a: Standing, b: Standing): number {
  const [an, ad] = fraction(a);
  const [bn, bd] = fraction(b);
  return an * bd - bn * ad;
}

/** `now`'s rate minus `before`'s, from one division of exact counts (0.5 − 0.4 is 0.1, not 0.0999…). */
export function rateChange(now: Standing, before: Standing): number {
  const [nn, nd] = fraction(now);
  const [bn, bd] = fraction(before);
  return (nn * bd - bn * nd) / (nd * bd);
}

/** Villages by rate, highest first, equal rates by code; the township's ranking (003#八(四)). */
export function rankByRate<T extends Standing>(villages: readonly T[]): Ranked<T>[] {
  const sorted = [...villages].sort((a, b) => compareRates(b, a) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const ranked: Ranked<T>[] = [];
  sorted.forEach((village, i) => {
    const before = ranked[i - 1];
    const rank = before && compareRates(before.village, village) === 0 ? before.rank : i + 1;
    ranked.push({ village, rank });
  });
  return ranked;
}
