/** One rule that shaped an answer, citing its clause as `<seed file>#<section>`. */
export interface Reason {
  rule: string;
  source: string;
  text: string;
}

export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const cents = abs % 100;
  return `${sign}${Math.trunc(abs / 100)}${cents === 0 ? '' : `.${String(cents).padStart(2, '0')}`} yuan`;
}
