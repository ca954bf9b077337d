import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface Asset {
  /** Name in the URL, with a content hash: a release changes it, so browsers may cache for ever. */
  name: string;
  type: string;
  body: Buffer;
}

const require = createRequire(import.meta.url);

/**
 * A file of an installed package. Through package.json because graphiql and react export no
 * subpath to their browser builds; resolved by node from this module, so `tsx` on the sources, the
 * compiled dist and the Docker image all find the one pnpm installed for this package.
 */
function packageFile(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** GraphiQL 3's prebuilt browser bundle needs React and ReactDOM 18 as globals (UMD builds). */
const SOURCES = [
  { key: 'react', file: packageFile('react', 'umd/react.production.min.js'), type: JS },
  { key: 'react-dom', file: packageFile('react-dom', 'umd/react-dom.production.min.js'), type: JS },
  { key: 'graphiql', file: packageFile('graphiql', 'graphiql.min.js'), type: JS },
  { key: 'graphiql-css', file: packageFile('graphiql', 'graphiql.min.css'), type: CSS },
  { key: 'start', file: packageFile('@rmi/reporting', 'public/graphiql-start.js'), type: JS },
] as const;

export type AssetKey = (typeof SOURCES)[number]['key'];

/** Every file of the page, read once (about 1.6 MB): the county networks never reach a CDN. */
export async function loadGraphiqlAssets(): Promise<Record<AssetKey, Asset>> {
  const entries = await Promise.all(
    SOURCES.map(async ({ key, file, type }) => {
      const body = await readFile(file);
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
      const ext = path.extname(file);
      return [key, { name: `${key}.${hash}${ext}`, type, body }] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<AssetKey, Asset>;
}
