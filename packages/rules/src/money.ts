// Money is integer fen. Percentages of fen amounts are computed in integers so no float ever
// touches an amount; where a percentage leaves a fraction of a fen, the rounding is named.

export function yuanToFen(yuan: number): number {
  const fen = Math.round(yuan * 100);
  if (!Number.isSafeInteger(fen) || Math.abs(fen - yuan * 100) > 1e-6) {
    throw new RangeError(`${yuan} yuan is not a whole number of fen`);
  }
  return fen;
}

/** `percent`% of `fen`, rounded down to the fen: a fund share never exceeds what the rule gives. */
export function percentOfFenDown(fen: number, percent: number): number {
  if (!Number.isSafeInteger(fen) || !Number.isInteger(percent)) {
    throw new RangeError('fen and percent must be integers');
  }
  return Math.floor((fen * percent) / 100);
}

/** `percent`% of `fen`, rounded half up to the fen, for amounts a notice prints as a percentage. */
export function percentOfFenHalfUp(fen: number, percent: number): number {
  if (!Number.isSafeInteger(fen) || !Number.isInteger(percent)) {
    throw new RangeError('fen and percent must be integers');
  }
  return Math.floor((fen * percent + 50) / 100);
}

export type YuanText = { fen: number } | { error: string };

// Digits of a decimal that are float noise when a spreadsheet stored a computed amount as a double
// (=0.1+0.2 is kept as 0.30000000000000004): a fraction this close to a whole fen is that fen.
const NOISE_DIGITS = 9;

/**
 * A yuan amount as written in a file (`400`, `400.00`, `1,234.50`, `-380`, `¥76.00`, `76元`,
 * Excel's text guard `'400`) as integer fen, read digit by digit so no float ever rounds it.
 * More than two decimals is refused unless the rest is a double's noise (`0.30000000000000004`,
 * `75.99999999999999`), which a spreadsheet writes for a computed cell.
 */
export function parseYuan(text: string): YuanText {
  const cleaned = text
    .trim()
    .replace(/^['\t]+/, '')
    .replace(/^[¥￥]/, '')
    .replace(/元$/, '')
    .trim();
  const m = /^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!m) return { error: `${JSON.stringify(text)} is not an amount in yuan` };
  const [, sign, whole = '', fraction = ''] = m;
  const integer = whole.replaceAll(',', '');
  let cents = Number(`${integer}${fraction.slice(0, 2).padEnd(2, '0')}`);
  const rest = fraction.slice(2);
  if (rest.length > 0 && !/^0+$/.test(rest)) {
    if (rest.length < NOISE_DIGITS - 2) return { error: `${JSON.stringify(text)} has more than two decimals (fen)` };
    const lead = rest.slice(0, NOISE_DIGITS - 2);
    if (/^9+$/.test(lead)) cents += 1;
    else if (!/^0+$/.test(lead)) return { error: `${JSON.stringify(text)} has more than two decimals (fen)` };
  }
  if (!Number.isSafeInteger(cents)) return { error: `${JSON.stringify(text)} is too large` };
  return { fen: sign === '-' && cents !== 0 ? -cents : cents };
}
