import type { Asset, AssetKey } from './graphiql-assets.js';

/**
 * The page at /graphiql. URLs are relative to it, so the page also works behind a proxy that
 * mounts the service under a prefix. No inline script: the CSP allows scripts from 'self' only.
 */
export function graphiqlPage(assets: Record<AssetKey, Asset>): string {
  const url = (key: AssetKey) => `graphiql/assets/${assets[key].name}`;
  return `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>GraphiQL · reporting</title>
  <meta name="robots" content="noindex">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="${url('graphiql-css')}">
  <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="${url('react')}"></script>
  <script src="${url('react-dom')}"></script>
  <script src="${url('graphiql')}"></script>
  <script src="${url('start')}"></script>
</body>
</html>
`;
}
