import type yauzl from 'yauzl';
import { EXCEL_MAX_CELL_CHARS, type InflateBudget, type XlsxLimits, XlsxTooLarge } from './xlsx-limits.js';
import { XmlPart } from './xml-part.js';
import type { ZipArchive } from './zip-archive.js';

/**
 * The shared-string table, the text of every `<si>` in order: plain and rich-text runs joined,
 * phonetic guides (`<rPh>`, furigana or pinyin shown above the text) left out, as Excel shows the
 * cell. It is held whole while the sheet is read, so its size and count are bounded first.
 */
export async function readSharedStrings(
  zip: ZipArchive,
  entry: yauzl.Entry | undefined,
  budget: InflateBudget,
  limits: Pick<XlsxLimits, 'maxSharedStringsBytes' | 'maxSharedStrings'>,
): Promise<string[]> {
  if (!entry) return [];
  if (entry.uncompressedSize > limits.maxSharedStringsBytes) {
    throw new XlsxTooLarge(
      'maxSharedStringsBytes',
      limits.maxSharedStringsBytes,
      `the shared strings (${entry.fileName}) are ${entry.uncompressedSize} bytes uncompressed`,
    );
  }
  const strings: string[] = [];
  let inItem = false;
  let phonetic = 0;
  let inText = false;
  let text = '';
  const xml = new XmlPart(entry.fileName, {
    open(name) {
      if (name === 'si') {
        if (strings.length >= limits.maxSharedStrings) {
          throw new XlsxTooLarge(
            'maxSharedStrings',
            limits.maxSharedStrings,
            `the workbook has more than ${limits.maxSharedStrings} shared strings`,
          );
        }
        inItem = true;
        text = '';
      } else if (name === 'rPh') phonetic++;
      else if (name === 't') inText = inItem && phonetic === 0;
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic--;
      else if (name === 'si') {
        strings.push(text);
        inItem = false;
      }
    },
    text(piece) {
      if (!inText) return;
      text += piece;
      if (text.length > EXCEL_MAX_CELL_CHARS) {
        throw new XlsxTooLarge(
          'cellChars',
          EXCEL_MAX_CELL_CHARS,
          `shared string ${strings.length} has more than ${EXCEL_MAX_CELL_CHARS} characters`,
        );
      }
    },
  });
  for await (const chunk of zip.read(entry, budget)) xml.write(chunk);
  xml.end();
  return strings;
}
