import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import type yauzl from 'yauzl';
import {
  type InflateBudget,
  MAX_DEPTH,
  MAX_MARKUP_RUN,
  MAX_PART_BYTES,
  XlsxTooLarge,
  XlsxUnreadable,
} from './xlsx-limits.js';
import type { ZipArchive } from './zip-archive.js';

export interface XmlHandlers {
  /** An element opens; `name` without its namespace prefix, `attributes` as written. */
  open(name: string, attributes: Record<string, string>): void;
  close(name: string): void;
  /** Character data (CDATA included), possibly in several pieces. */
  text(text: string): void;
}

const localName = (name: string) => name.slice(name.indexOf(':') + 1);

/**
 * One part's XML, fed as its bytes arrive. saxes holds a text, a tag or a comment whole until it
 * ends and keeps the chain of open elements; both are bounded here (MAX_MARKUP_RUN characters
 * without an event, MAX_DEPTH open elements), so no part can make it hold more. Entities other than
 * XML's five are refused by saxes: there is no DTD expansion to blow up.
 */
export class XmlPart {
  private readonly parser = new SaxesParser({ position: true });
  private readonly decoder = new StringDecoder('utf8');
  private lastEvent = 0;
  private depth = 0;

  constructor(
    readonly name: string,
    handlers: XmlHandlers,
    private readonly line: () => number | undefined = () => undefined,
  ) {
    const p = this.parser;
    const seen = () => {
      this.lastEvent = p.position;
    };
    p.on('opentag', (tag) => {
      seen();
      if (++this.depth > MAX_DEPTH) {
        throw new XlsxTooLarge('depth', MAX_DEPTH, `${name} nests elements more than ${MAX_DEPTH} deep`, this.line());
      }
      handlers.open(localName(tag.name), tag.attributes as Record<string, string>);
    });
    p.on('closetag', (tag) => {
      seen();
      this.depth--;
      handlers.close(localName(tag.name));
    });
    p.on('text', (text) => {
      seen();
      handlers.text(text);
    });
    p.on('cdata', (text) => {
      seen();
      handlers.text(text);
    });
    for (const event of ['comment', 'processinginstruction', 'doctype', 'xmldecl'] as const) p.on(event, seen);
    p.on('error', (err) => {
      throw new XlsxUnreadable(`${name} is not well-formed XML (${err.message})`, this.line());
    });
  }

  write(bytes: Buffer): void {
    this.parser.write(this.decoder.write(bytes));
    if (this.parser.position - this.lastEvent > MAX_MARKUP_RUN) {
      throw new XlsxTooLarge(
        'markupRun',
        MAX_MARKUP_RUN,
        `${this.name} has more than ${MAX_MARKUP_RUN} characters of XML in one text or tag`,
        this.line(),
      );
    }
  }

  end(): void {
    this.parser.write(this.decoder.end());
    this.parser.close();
  }
}

/** Reads a part that describes the workbook, whole, refusing one larger than such a part gets. */
export async function readXmlPart(
  zip: ZipArchive,
  entry: yauzl.Entry,
  budget: InflateBudget,
  handlers: XmlHandlers,
): Promise<void> {
  if (entry.uncompressedSize > MAX_PART_BYTES) {
    throw new XlsxTooLarge('partBytes', MAX_PART_BYTES, `${entry.fileName} is ${entry.uncompressedSize} bytes`);
  }
  const xml = new XmlPart(entry.fileName, handlers);
  for await (const chunk of zip.read(entry, budget)) xml.write(chunk);
  xml.end();
}
