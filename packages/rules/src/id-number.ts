// Resident ID numbers (居民身份证号码) per GB 11643-1999: 6-digit region, 8-digit birth date,
// 3-digit sequence (odd = male), ISO 7064 MOD 11-2 check character.

/** GB 11643 weights of the first 17 digits (ISO 7064 MOD 11-2). */
export const GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** Province-level prefixes of GB/T 2260 (incl. 71 Taiwan, 81/82 HK/Macau, 83 HK/Macau/Taiwan residence permits). */
export const PROVINCE_PREFIXES: ReadonlySet<string> = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
  '83',
]);

export type IdNumberProblem = 'format' | 'region' | 'birth-date' | 'checksum';

export type IdNumberResult =
  | { ok: true; idNumber: string; birthDate: string; sex: 'male' | 'female'; upgradedFrom15: boolean }
  | { ok: false; problem: IdNumberProblem; message: string };

export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (GB11643_WEIGHTS[i] as number);
  return CHECK_CHARS[sum % 11] as string;
}

function isCivilDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/**
 * Validates and normalises an ID number: trims, upper-cases a final x, and upgrades a 15-digit
 * first-generation number (born 19xx, no check character) to 18 digits. `today` (Asia/Shanghai) is
 * required so that every path, API and import alike, refuses a birth date in the future.
 */
export function parseIdNumber(input: string, today: string): IdNumberResult {
  let id = input.trim().toUpperCase();
  let upgradedFrom15 = false;
  if (/^\d{15}$/.test(id)) {
    const first17 = `${id.slice(0, 6)}19${id.slice(6)}`;
    id = first17 + checkCharacter(first17);
    upgradedFrom15 = true;
  }
  if (!/^\d{17}[\dX]$/.test(id)) {
    return { ok: false, problem: 'format', message: 'must be 18 characters (17 digits and a digit or X) or 15 digits' };
  }
  if (!PROVINCE_PREFIXES.has(id.slice(0, 2))) {
    return { ok: false, problem: 'region', message: `region prefix ${id.slice(0, 2)} is not a province code` };
  }
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (y < 1880 || !isCivilDate(y, m, d) || birthDate > today) {
    return { ok: false, problem: 'birth-date', message: `birth date ${birthDate} is not a valid past date` };
  }
  if (checkCharacter(id.slice(0, 17)) !== id[17]) {
    return { ok: false, problem: 'checksum', message: 'check character does not match (GB 11643)' };
  }
  const sex = Number(id[16]) % 2 === 1 ? 'male' : 'female';
  return { ok: true, idNumber: id, birthDate, sex, upgradedFrom15 };
}

/** `110105********002X`: region and the last four stay, for a clerk to tell people apart. */
export function maskIdNumber(id: string): string {
  if (id.length < 10) return '*'.repeat(id.length);
  return `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}`;
}

/** Anything in free text that looks like an ID number (15 or 18 characters), for log scrubbing. */
export const ID_NUMBER_PATTERN = /(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])/g;

export function maskIdNumbersIn(text: string): string {
  return text.replace(ID_NUMBER_PATTERN, (m) => maskIdNumber(m));
}

/**
 * The same for JSON text, inside its strings (values and names) only: a number of 15 or 18 digits
 * is no ID number, and masking it would leave text that is not JSON.
 */
export function maskIdNumbersInJson(json: string): string {
  return json.replace(/"(?:[^"\\]|\\.)*"/g, (s) => maskIdNumbersIn(s));
}

/** Names are masked to the surname: 张** . */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return '*';
  return chars[0] + '*'.repeat(chars.length - 1);
}
