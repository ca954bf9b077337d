import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';

// Reporting reads the other services only through the views they publish (`enrollment.v_…`) and
// the events they send. Its repositories are kysely and `sql` templates, so the schema-qualified
// names it uses sit in string and template literals: those are scanned, comments are not.

/** The schemas of the other services (`core` is administered by enrollment). */
const OTHERS = ['core', 'enrollment', 'identity', 'payment'];
const QUALIFIED = new RegExp(`(?<![\\w./-])"?(${OTHERS.join('|')})"?\\."?([A-Za-z_][A-Za-z0-9_]*)"?`, 'g');

export interface SqlFinding {
  file: string;
  line: number;
  name: string;
}

/** Names of another service's schema that are not a published view (`v_…`), in `text`. */
export function namesNotViews(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(QUALIFIED)) {
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

/** Every non-view name of another schema in the .ts and .sql files under `dir`. */
export async function scanReportingSql(dir: string, root = process.cwd()): Promise<SqlFinding[]> {
  const findings: SqlFinding[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const file = path.relative(root, full);
    if (entry.name.endsWith('.ts')) {
      for (const { line, text } of literalsOf(full, await readFile(full, 'utf8'))) {
        for (const name of namesNotViews(text)) findings.push({ file, line, name });
      }
    } else if (entry.name.endsWith('.sql')) {
      const lines = (await readFile(full, 'utf8')).split('\n');
      lines.forEach((text, i) => {
        const code = text.replace(/--.*$/, '');
        for (const name of namesNotViews(code)) findings.push({ file, line: i + 1, name });
      });
    }
  }
  return findings;
}
