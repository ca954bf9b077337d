import iconv from 'iconv-lite';

// County staff save CSV from Excel or WPS: "CSV UTF-8" files carry a BOM, plain "CSV" on a Chinese
// Windows is GBK, which GB18030 decodes as a superset. Every reader here judges a file's encoding
// with the one function below.

export type TextEncoding = 'utf-8' | 'gb18030';

/** PostgreSQL's name of an encoding, as COPY's ENCODING option takes it. */
export type CopyEncoding = 'UTF8' | 'GB18030';

export const copyEncodingOf = (encoding: TextEncoding): CopyEncoding => (encoding === 'utf-8' ? 'UTF8' : 'GB18030');

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UTF8_BOM = [0xef, 0xbb, 0xbf];

export const hasBom = (buf: Buffer): boolean => buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;

/**
 * The encoding of a file from its bytes: a BOM or valid UTF-8 means UTF-8, anything else is read
 * as GB18030. `head` may be only the start of a longer file (`complete` false): it is then judged
 * up to its last line break, so a character cut at the end does not count against UTF-8.
 */
export function detectEncoding(head: Buffer, complete = true): TextEncoding {
  if (hasBom(head)) return 'utf-8';
  const end = complete ? head.length : head.lastIndexOf(0x0a) + 1;
  try {
    strictUtf8.decode(head.subarray(0, end > 0 ? end : head.length));
    return 'utf-8';
  } catch {
    return 'gb18030';
  }
}

/** Bytes of a file in `encoding` as text, a UTF-8 BOM dropped. */
export function decodeAs(buf: Buffer, encoding: TextEncoding): string {
  if (encoding === 'utf-8') return (hasBom(buf) ? buf.subarray(UTF8_BOM.length) : buf).toString('utf8');
  // iconv-lite rather than TextDecoder('gb18030'): the result must not depend on whether the Node
  // build carries full ICU.
  return iconv.decode(buf, 'gb18030');
}

/** Text as bytes of `encoding`. */
export function encodeAs(text: string, encoding: TextEncoding): Buffer {
  return encoding === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, 'gb18030');
}

/** A whole file decoded by the same judgement as detectEncoding, in one pass. */
export function decodeText(buf: Buffer): { text: string; encoding: TextEncoding } {
  const body = hasBom(buf) ? buf.subarray(UTF8_BOM.length) : buf;
  try {
    return { text: strictUtf8.decode(body), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(body, 'gb18030'), encoding: 'gb18030' };
  }
}
