import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { dashboardLabelsModule } from './dashboard-labels.js';

export interface Asset {
  /** Name under /dashboard/assets/. */
  name: string;
  type: string;
  body: Buffer;
  /** Strong validator: the page's own modules are asked for again each time and answered 304. */
  etag: string;
  /** Named with its content hash, so a browser may keep it for ever. */
  immutable: boolean;
}

const require = createRequire(import.meta.url);

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function asset(name: string, body: Buffer, immutable: boolean): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const type = TYPES[path.extname(name)] ?? 'application/octet-stream';
  return {
    name: immutable ? name.replace(/(\.min)?\.js$/, `.${hash}$&`) : name,
    type,
    body,
    etag: `"${hash}"`,
    immutable,
  };
}

export interface DashboardAssets {
  echarts: Asset;
  byName: Map<string, Asset>;
}

/**
 * ECharts' browser build from node_modules (resolved by node from this module, so `tsx` on the
 * sources, the compiled dist and the Docker image find the one pnpm installed: county networks never
 * reach a CDN), the page's own modules under public/dashboard, and the labels module built from
 * @rmi/rules. The modules import each other by plain name, so they keep it and are revalidated.
 */
export async function loadDashboardAssets(): Promise<DashboardAssets> {
  // `require` resolves echarts' CommonJS build, dist/echarts.js; the minified one lies beside it.
  const echartsFile = path.join(path.dirname(require.resolve('echarts')), 'echarts.min.js');
  const echarts = asset('echarts.min.js', await readFile(echartsFile), true);
  const dir = path.join(path.dirname(require.resolve('@rmi/reporting/package.json')), 'public', 'dashboard');
  const own = await Promise.all(
    (await readdir(dir))
      .filter((file) => path.extname(file) in TYPES)
      .map(async (file) => asset(file, await readFile(path.join(dir, file)), false)),
  );
  const labels = asset('labels.js', Buffer.from(dashboardLabelsModule(), 'utf8'), false);
  return { echarts, byName: new Map([echarts, labels, ...own].map((a) => [a.name, a])) };
}
