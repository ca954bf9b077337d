import { posix } from 'node:path';
import type yauzl from 'yauzl';
import { type InflateBudget, XlsxUnreadable } from './xlsx-limits.js';
import { readXmlPart } from './xml-part.js';
import type { ZipArchive } from './zip-archive.js';

/** Where the parts of a workbook are, as its workbook part and relationships say. */
export interface WorkbookLayout {
  /** The first worksheet in tab order. */
  sheet: yauzl.Entry;
  sharedStrings?: yauzl.Entry;
  styles?: yauzl.Entry;
  /** Dates count days from 1904-01-01 (Excel for Mac before 2011) instead of from 1900. */
  date1904: boolean;
}

const noop = () => {};

/** A relationship target is relative to the workbook part's folder unless it starts with `/`. */
const resolveTarget = (target: string) =>
  target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join('xl', target));

export async function readWorkbookLayout(zip: ZipArchive, budget: InflateBudget): Promise<WorkbookLayout> {
  const relationships: Array<{ id: string; type: string; target: string }> = [];
  const relsEntry = zip.entry('xl/_rels/workbook.xml.rels');
  if (relsEntry) {
    await readXmlPart(zip, relsEntry, budget, {
      open(name, a) {
        if (name === 'Relationship' && a.Id && a.Target && a.TargetMode !== 'External') {
          relationships.push({ id: a.Id, type: a.Type ?? '', target: resolveTarget(a.Target) });
        }
      },
      close: noop,
      text: noop,
    });
  }
  const sheetIds: string[] = [];
  let date1904 = false;
  const workbookEntry = zip.entry('xl/workbook.xml');
  if (workbookEntry) {
    await readXmlPart(zip, workbookEntry, budget, {
      open(name, a) {
        if (name === 'workbookPr') date1904 = a.date1904 === '1' || a.date1904 === 'true';
        // The relationship id is `r:id`, whatever prefix the file binds to its namespace.
        const id = name === 'sheet' ? Object.entries(a).find(([key]) => key.endsWith(':id'))?.[1] : undefined;
        if (id) sheetIds.push(id);
      },
      close: noop,
      text: noop,
    });
  }
  const related = (type: string) => {
    const rel = relationships.find((r) => r.type.endsWith(type));
    return rel && zip.entry(rel.target);
  };
  // The first sheet of the tab order that is a worksheet (a chart sheet has no cells).
  const firstSheet = sheetIds
    .map((id) => relationships.find((r) => r.id === id))
    .find((r) => r?.type.endsWith('/worksheet'));
  const sheet = (firstSheet && zip.entry(firstSheet.target)) || zip.entry('xl/worksheets/sheet1.xml');
  if (!sheet) throw new XlsxUnreadable('the workbook has no worksheet');
  return {
    sheet,
    sharedStrings: related('/sharedStrings') ?? zip.entry('xl/sharedStrings.xml'),
    styles: related('/styles') ?? zip.entry('xl/styles.xml'),
    date1904,
  };
}
