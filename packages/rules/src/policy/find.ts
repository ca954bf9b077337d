import type { PolicyDocument } from './schema.js';

/** Division-code prefix lengths, most specific first: village, township, county, prefecture, province. */
const LEVELS = [12, 9, 6, 4, 2] as const;

/**
 * The policy for `year` that covers `regionCode`, found by walking the code up to the nearest
 * covered prefix, so a township-level document wins over a province-wide one.
 */
export function findPolicy(
  policies: readonly PolicyDocument[],
  regionCode: string,
  year: number,
): PolicyDocument | undefined {
  if (!/^\d+$/.test(regionCode)) return undefined;
  const forYear = policies.filter((p) => p.year === year);
  for (const length of LEVELS) {
    if (regionCode.length < length) continue;
    const prefix = regionCode.slice(0, length);
    const found = forYear.find((p) => p.regionCodes.includes(prefix));
    if (found) return found;
  }
  return undefined;
}

/** Whether `policy` is the one a region's walk would reach (ignoring more specific documents). */
export function policyCoversRegion(policy: PolicyDocument, regionCode: string): boolean {
  return LEVELS.some(
    (length) => regionCode.length >= length && policy.regionCodes.includes(regionCode.slice(0, length)),
  );
}
