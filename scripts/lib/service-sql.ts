import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';

// A service reads the others only through the views they publish (`enrollment.v_…`) and the events
// they send. Repositories are kysely and `sql` templates, so the schema-qualified names a service
// uses sit in string and template literals: those are scanned, comments are not.

/** Each service's own schemas (`core` is administered by enrollment); the others it may name only by view. */
export const OWN_SCHEMAS: Readonly<Record<string, readonly string[]>> = {
  enrollment: ['core', 'enrollment'],
  'subsidy-identity': ['identity'],
  'payment-reconciliation': ['payment'],
  reporting: ['reporting'],
};
const ALL = ['core', 'enrollment', 'identity', 'payment', 'reporting'];

function qualified(others: readonly string[]): RegExp {
  return new RegExp(`(?<![\\w./-])"?(${others.join('|')})"?\\."?([A-Za-z_][A-Za-z0-9_]*)"?`, 'g');
}

/** The schemas a service does not own (reporting's by default). */
export function othersOf(service: string): string[] {
  const own = OWN_SCHEMAS[service] ?? [];
  return ALL.filter((s) => !own.includes(s));
}

export interface SqlFinding {
  file: string;
  line: number;
  name: string;
}

/** Names of another service's schema that are not a published view (`v_…`), in `text`. */
export function namesNotViews(text: string, others: readonly string[] = othersOf('reporting')): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(qualified(others))) {
    const [, schema, relation] = m;
    if (!relation?.startsWith('v_')) found.push(`${schema}.${relation}`);
  }
  return found;
}

/** The string and template literals of a TypeScript file, each with the line it starts on. */
export function literalsOf(fileName: string, source: string): Array<{ line: number; text: string }> {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Array<{ line: number; text: string }> = [];
  const visit = (node: ts.Node) => {
    // A case label compares a value (an event topic such as 'payment.recorded'); it names no relation.
    const caseLabel = ts.isStringLiteral(node) && ts.isCaseClause(node.parent);
    if (caseLabel) return;
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      out.push({ line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1, text: node.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

/** Every non-view name of a schema in `others` in the .ts and .sql files under `dir`. */
export async function scanServiceSql(
  dir: string,
  others: readonly string[],
  root = process.cwd(),
): Promise<SqlFinding[]> {
  const findings: SqlFinding[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const file = path.relative(root, full);
    if (entry.name.endsWith('.ts')) {
      for (const { line, text } of literalsOf(full, await readFile(full, 'utf8'))) {
        for (const name of namesNotViews(text, others)) findings.push({ file, line, name });
      }
    } else if (entry.name.endsWith('.sql')) {
      const lines = (await readFile(full, 'utf8')).split('\n');
      lines.forEach((text, i) => {
        const code = text.replace(/--.*$/, '');
        for (const name of namesNotViews(code, others)) findings.push({ file, line: i + 1, name });
      });
    }
  }
  return findings;
}
