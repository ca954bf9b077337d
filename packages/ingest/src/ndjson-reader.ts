import type { Readable } from 'node:stream';
import { numberText } from './excel-number.js';
import type { HeaderMatcher } from './header-matcher.js';
import { FileProblem } from './row-errors.js';

// Newline-delimited JSON (one object per line, UTF-8), as systems rather than people send rows:
// department feeds. Keys are matched to fields by the same header matcher as CSV and XLSX headers.

export interface NdjsonRecord {
  /** Physical line of the object (1 for the first line). */
  line: number;
  value: Record<string, unknown>;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function parseLine(bytes: Buffer, line: number): NdjsonRecord | undefined {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new FileProblem(`Line ${line} is not UTF-8 text; nothing was imported.`, [
      { line, message: 'not UTF-8 (NDJSON is always UTF-8)' },
    ]);
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FileProblem(`Line ${line} is not JSON; nothing was imported.`, [
      { line, message: `not JSON: ${(err as Error).message}` },
    ]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FileProblem(`Line ${line} is not a JSON object; nothing was imported.`, [
      { line, message: 'each line must be one JSON object' },
    ]);
  }
  return { line, value: value as Record<string, unknown> };
}

/** The objects of an NDJSON stream with their lines; blank lines skipped, CRLF accepted, a BOM dropped. */
export async function* readNdjson(stream: Readable): AsyncGenerator<NdjsonRecord> {
  let pending: Buffer[] = [];
  let line = 1;
  for await (const data of stream) {
    const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data as string);
    let start = 0;
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, start)) {
      pending.push(chunk.subarray(start, i));
      const record = parseLine(Buffer.concat(pending), line);
      pending = [];
      line++;
      start = i + 1;
      if (record) yield record;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  const record = parseLine(Buffer.concat(pending), line);
  if (record) yield record;
}

/** A JSON value as a cell: numbers JSON could not keep exactly (past 15 digits) as Excel shows them. */
export function jsonCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberText(String(value));
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value);
}

/**
 * An object's values in the order of `matcher.fields`: each key is matched like a header cell,
 * keys naming no field are ignored, and a field no key names is ''.
 */
export function ndjsonCells<F extends string>(
  matcher: HeaderMatcher<F>,
  value: Record<string, unknown>,
  cache: Map<string, F | null>,
): string[] {
  const cells = matcher.fields.map(() => '');
  const seen = new Set<number>();
  for (const [key, raw] of Object.entries(value)) {
    let field = cache.get(key);
    if (field === undefined) {
      field = matcher.fieldOf(key) ?? null;
      cache.set(key, field);
    }
    if (field === null) continue;
    const index = matcher.fields.indexOf(field);
    if (seen.has(index)) continue;
    seen.add(index);
    cells[index] = jsonCell(raw);
  }
  return cells;
}
