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
