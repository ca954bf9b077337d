// Departments save lists as "text (tab delimited)" as often as CSV. The staging of @rmi/ingest
// reads commas, so a tab-separated upload is rewritten as CSV on its way there, byte by byte and
// line for line (so every line number stays the file's own). UTF-8 and GB18030 alike: neither
// uses the bytes of a tab, a comma, a quote or a line break inside a multi-byte character.

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const SNIFF_BYTES = 64 * 1024;
const SNIFF_LINES = 20;

/** Whether the head of a file separates its cells with tabs: more tabs than commas outside quotes on its first lines. */
export function looksTabSeparated(head: Buffer): boolean {
  let tabs = 0;
  let commas = 0;
  let lines = 0;
  let quoted = false;
  for (let i = 0; i < head.length && lines < SNIFF_LINES; i++) {
    const byte = head[i];
    if (byte === QUOTE) quoted = !quoted;
    else if (quoted) continue;
    else if (byte === TAB) tabs++;
    else if (byte === COMMA) commas++;
    else if (byte === LF) lines++;
  }
  return tabs > commas;
}

/** Tab-separated cells as CSV: a cell holding a comma or a quote is quoted; quoted cells pass as they are. */
class TabsToCommas {
  private cell: number[] = [];
  private atCellStart = true;
  private inQuoted = false;
  private quotedOpen = false;

  convert(chunk: Buffer): Buffer {
    const out: number[] = [];
    for (const byte of chunk) {
      if (this.inQuoted) {
        if (byte === QUOTE) this.quotedOpen = !this.quotedOpen;
        if (this.quotedOpen || (byte !== TAB && byte !== LF)) {
          out.push(byte);
          continue;
        }
        this.inQuoted = false;
      }
      if (this.atCellStart && byte === QUOTE) {
        this.inQuoted = true;
        this.quotedOpen = true;
        this.atCellStart = false;
        out.push(byte);
        continue;
      }
      if (byte === TAB || byte === LF) {
        this.flushCell(out);
        out.push(byte === TAB ? COMMA : LF);
        this.atCellStart = true;
        continue;
      }
      this.atCellStart = false;
      this.cell.push(byte);
    }
    return Buffer.from(out);
  }

  end(): Buffer {
    const out: number[] = [];
    this.flushCell(out);
    return Buffer.from(out);
  }

  private flushCell(out: number[]): void {
    const cell = this.cell;
    this.cell = [];
    // A CRLF line's CR stays outside the quotes it might get.
    const cr = cell.length > 0 && cell[cell.length - 1] === CR;
    if (cr) cell.pop();
    if (cell.includes(COMMA) || cell.includes(QUOTE)) {
      out.push(QUOTE);
      for (const b of cell) {
        if (b === QUOTE) out.push(QUOTE);
        out.push(b);
      }
      out.push(QUOTE);
    } else for (const b of cell) out.push(b);
    if (cr) out.push(CR);
  }
}

/** The upload as CSV: passed through when it already is, rewritten when its head says it is tab-separated. */
export async function* commaSeparated(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    length += next.value.length;
  }
  const first = Buffer.concat(head);
  if (!looksTabSeparated(first)) {
    if (first.length > 0) yield first;
    while (!done) {
      const next = await iterator.next();
      if (next.done) break;
      yield next.value;
    }
    return;
  }
  const converter = new TabsToCommas();
  yield converter.convert(first);
  while (!done) {
    const next = await iterator.next();
    if (next.done) break;
    yield converter.convert(next.value);
  }
  const rest = converter.end();
  if (rest.length > 0) yield rest;
}
