import type { DashboardAssets } from './dashboard-assets.js';

/**
 * The page at /dashboard. URLs are relative to it, so it also works behind a proxy that mounts the
 * service under a prefix. No inline script or handler: the CSP allows scripts from 'self' only.
 * ECharts is a classic script, run before the page's module (modules are deferred).
 */
export function dashboardPage(assets: DashboardAssets): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>参保缴费进度看板</title>
  <meta name="robots" content="noindex">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="dashboard/assets/dashboard.css">
  <script src="dashboard/assets/${assets.echarts.name}"></script>
  <script type="module" src="dashboard/assets/dashboard.js"></script>
</head>
<body>
  <header class="top">
    <h1>城乡居民医保参保缴费进度看板</h1>
    <nav class="controls" id="controls" hidden>
      <span id="region-pickers"></span>
      <label>年度 <select id="year" aria-label="年度"></select></label>
      <a href="#" id="change-key">更换密钥</a>
    </nav>
  </header>
  <div id="errors" class="errors" role="alert"></div>
  <form id="key-form" class="key-form" hidden>
    <h2>请输入看板密钥</h2>
    <p>密钥由县医保部门发放。只保存在本窗口，关闭浏览器后需重新输入。</p>
    <input id="key" name="key" type="password" autocomplete="off" required aria-label="看板密钥">
    <button type="submit">进入看板</button>
  </form>
  <main id="board" hidden>
    <section id="summary" class="card summary" aria-live="polite">
      <h2 id="summary-title">—</h2>
      <div class="section-error" role="alert"></div>
      <dl class="figures">
        <div><dt>任务数</dt><dd data-figure="target">—</dd></div>
        <div><dt>已缴费</dt><dd data-figure="paid">—</dd></div>
        <div><dt>完成率</dt><dd data-figure="rate">—</dd></div>
        <div><dt>尚差</dt><dd data-figure="gap">—</dd></div>
      </dl>
    </section>
    <section id="villages" class="card">
      <h2>各村（社区）完成情况
        <span class="chart-key"><span class="swatch paid"></span>已缴费 <span class="swatch target"></span>任务数</span>
      </h2>
      <div class="section-error" role="alert"></div>
      <div id="village-chart" class="chart"></div>
    </section>
    <section id="ranking" class="card">
      <h2>完成率排名 <span class="week-label" id="week-label"></span></h2>
      <div class="section-error" role="alert"></div>
      <table>
        <thead><tr><th>排名</th><th>村（社区）</th><th>任务数</th><th>已缴费</th><th>完成率</th><th>较上周</th></tr></thead>
        <tbody></tbody>
      </table>
    </section>
    <section id="trend" class="card">
      <h2>完成率周趋势</h2>
      <div class="section-error" role="alert"></div>
      <div id="trend-chart" class="chart trend"></div>
    </section>
    <section id="groups" class="card">
      <h2>特殊群体参保情况</h2>
      <div class="section-error" role="alert"></div>
      <table>
        <thead><tr><th>部门</th><th>身份类别</th><th>认定人数</th><th>已参保</th><th>已缴费</th><th>缴费率</th><th>目标</th><th>是否达标</th></tr></thead>
        <tbody></tbody>
      </table>
    </section>
    <section id="cash" class="card">
      <h2>现金预警（双限）</h2>
      <div class="section-error" role="alert"></div>
      <ul class="alerts"></ul>
    </section>
  </main>
</body>
</html>
`;
}
