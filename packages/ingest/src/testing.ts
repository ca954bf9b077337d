import { constants, crc32, deflateRawSync } from 'node:zlib';
import { loadExcel } from './xlsx-writer.js';

// Workbooks for tests, honest or hostile, made in memory. The zip is written by hand so a test can
// say anything an attacker can: sizes that lie, thousands of entries, a part that inflates to
// gigabytes from a few megabytes.

/** A part's data as stored in the archive (raw deflate), with what it inflates to. */
export interface DeflatedPart {
  deflated: Buffer;
  size: number;
  crc: number;
}

export type PartData = string | Buffer | DeflatedPart;

export interface ZipEntry {
  name: string;
  data: PartData;
  /** The uncompressed size the archive claims, when it should not be the true one. */
  declaredSize?: number;
}

const isDeflated = (data: PartData): data is DeflatedPart => typeof data === 'object' && 'deflated' in data;

export function deflatePart(data: string | Buffer): DeflatedPart {
  const bytes = Buffer.from(data);
  return { deflated: deflateRawSync(bytes), size: bytes.length, crc: crc32(bytes) };
}

/**
 * `head`, then `unit` repeated to at least `bytes` bytes, then `tail`, deflated in milliseconds:
 * a megabyte of the unit is deflated once, ending on a full flush (byte-aligned, no reference to
 * earlier data), and that block is repeated. A gigabyte costs about a megabyte stored.
 */
export function repeatedPart(head: string, unit: string, bytes: number, tail: string): DeflatedPart {
  const flush = { finishFlush: constants.Z_FULL_FLUSH };
  const chunk = Buffer.from(unit.repeat(Math.ceil((1024 * 1024) / Buffer.byteLength(unit))));
  const times = Math.ceil(bytes / chunk.length);
  const block = deflateRawSync(chunk, flush);
  let crc = crc32(head);
  for (let i = 0; i < times; i++) crc = crc32(chunk, crc);
  crc = crc32(tail, crc);
  return {
    deflated: Buffer.concat([
      deflateRawSync(Buffer.from(head), flush),
      ...Array.from({ length: times }, () => block),
      deflateRawSync(Buffer.from(tail)),
    ]),
    size: Buffer.byteLength(head) + chunk.length * times + Buffer.byteLength(tail),
    crc,
  };
}

/** A zip archive (deflate, no zip64: every part under 4 GiB). */
export function zipArchive(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const part = isDeflated(entry.data) ? entry.data : deflatePart(entry.data);
    const name = Buffer.from(entry.name);
    const header = (signature: number, length: number) => {
      const b = Buffer.alloc(length);
      b.writeUInt32LE(signature, 0);
      return b;
    };
    const local = header(0x04034b50, 30);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10); // 00:00
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(part.crc >>> 0, 14);
    local.writeUInt32LE(part.deflated.length, 18);
    local.writeUInt32LE(entry.declaredSize ?? part.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = header(0x02014b50, 46);
    central.writeUInt16LE(20, 4); // made by
    local.copy(central, 6, 4, 28); // version needed … name length
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, part.deflated);
    centrals.push(central, name);
    offset += local.length + name.length + part.deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const escapeXml = (text: string) =>
  text.replace(/[<>&"]/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot' }[c]};`);
const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** `<row>` XML with each value as an inline string; '' leaves the cell out. */
export function inlineRow(line: number, values: string[]): string {
  const cells = values
    .map((v, i) =>
      v === '' ? '' : `<c r="${String.fromCharCode(65 + i)}${line}" t="inlineStr"><is><t>${escapeXml(v)}</t></is></c>`,
    )
    .join('');
  return `<row r="${line}">${cells}</row>`;
}

export const sheetXml = (rows: string) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="${MAIN}"><sheetData>${rows}</sheetData></worksheet>`;

/** The shared-string part of these texts. */
export const sharedStringsXml = (texts: string[]) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="${MAIN}" count="${texts.length}" uniqueCount="${texts.length}">${texts
    .map((t) => `<si><t>${escapeXml(t)}</t></si>`)
    .join('')}</sst>`;

export interface WorkbookParts {
  /** The first worksheet (xl/worksheets/sheet1.xml). */
  sheet: PartData;
  sharedStrings?: PartData;
  styles?: PartData;
  /** More entries after the workbook's own, to make a long central directory. */
  padding?: number;
}

/** An XLSX file with the parts Excel writes, in Excel's order (sheets before shared strings). */
export function xlsxWorkbook(parts: WorkbookParts): Buffer {
  const related = [
    ['worksheet', 'worksheets/sheet1.xml'],
    ...(parts.styles ? [['styles', 'styles.xml']] : []),
    ...(parts.sharedStrings ? [['sharedStrings', 'sharedStrings.xml']] : []),
  ];
  const entries: ZipEntry[] = [
    {
      name: '[Content_Types].xml',
      data: `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
    },
    {
      name: '_rels/.rels',
      data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    {
      name: 'xl/workbook.xml',
      data: `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="参保登记" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${related
        .map(([type, target], i) => `<Relationship Id="rId${i + 1}" Type="${REL}/${type}" Target="${target}"/>`)
        .join('')}</Relationships>`,
    },
    { name: 'xl/worksheets/sheet1.xml', data: parts.sheet },
    ...(parts.styles ? [{ name: 'xl/styles.xml', data: parts.styles }] : []),
    ...(parts.sharedStrings ? [{ name: 'xl/sharedStrings.xml', data: parts.sharedStrings }] : []),
    ...Array.from({ length: parts.padding ?? 0 }, (_, i) => ({ name: `docProps/custom${i}.xml`, data: '<x/>' })),
  ];
  return zipArchive(entries);
}

/**
 * A workbook's first sheet as an independent reader (exceljs) sees it: each row's values, column A
 * first, with the cell types, so a test holds a download to what Excel users would open.
 * `includeEmpty` keeps blank rows in their place.
 */
export async function readWorkbook(file: Buffer, options: { includeEmpty?: boolean } = {}) {
  const ExcelJS = await loadExcel();
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(file as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new Error('no worksheet');
  const rows: unknown[][] = [];
  const types: number[][] = [];
  sheet.eachRow({ includeEmpty: options.includeEmpty ?? false }, (row) => {
    const values: unknown[] = [];
    const kinds: number[] = [];
    for (let c = 1; c <= sheet.columnCount; c++) {
      values.push(row.getCell(c).value);
      kinds.push(row.getCell(c).type);
    }
    rows.push(values);
    types.push(kinds);
  });
  return { name: sheet.name, rows, types, sheet };
}
