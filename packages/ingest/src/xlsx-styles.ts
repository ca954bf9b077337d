import type yauzl from 'yauzl';
import type { InflateBudget } from './xlsx-limits.js';
import { readXmlPart } from './xml-part.js';
import type { ZipArchive } from './zip-archive.js';

// Built-in number formats that show a date or time (ECMA-376 part 1, 18.8.30): 14–22 and 45–47
// everywhere, 27–36 and 50–58 in the Chinese, Japanese and Korean editions (27 is
// `yyyy"年"m"月"`, 31 `yyyy"年"m"月"d"日"` in Chinese Excel).
const BUILT_IN_DATES = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56,
  57, 58,
]);

/**
 * A format code shows a date when it has a date or time letter outside quoted text, bracketed
 * parts (colours, conditions, locales), escaped characters and padding (`_x`, `*x`): the
 * judgement of exceljs, which read these files before.
 */
export function isDateFormat(code: string): boolean {
  const bare = code
    .replace(/\[[^\]]*]/g, '')
    .replace(/"[^"]*"/g, '')
    .replace(/[\\_*]./g, '');
  return /[ymdhsb]/i.test(bare);
}

/** Which cell styles (the `s` of a cell, an index into cellXfs) show numbers as dates. */
export async function readDateStyles(
  zip: ZipArchive,
  entry: yauzl.Entry | undefined,
  budget: InflateBudget,
): Promise<(style: number) => boolean> {
  if (!entry) return () => false;
  const customDates = new Set<number>();
  const styleFormats: number[] = [];
  let inNumFmts = false;
  let inCellXfs = false;
  await readXmlPart(zip, entry, budget, {
    open(name, a) {
      if (name === 'numFmts') inNumFmts = true;
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'numFmt' && inNumFmts && isDateFormat(a.formatCode ?? '')) customDates.add(Number(a.numFmtId));
      else if (name === 'xf' && inCellXfs) styleFormats.push(Number(a.numFmtId ?? 0));
    },
    close(name) {
      if (name === 'numFmts') inNumFmts = false;
      else if (name === 'cellXfs') inCellXfs = false;
    },
    text() {},
  });
  const dates = styleFormats.map((id) => BUILT_IN_DATES.has(id) || customDates.has(id));
  return (style) => dates[style] ?? false;
}
