import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createTestDatabase } from '@rmi/db';
import { BUILT_IN_POLICIES, findPolicy, isoWeekOf, previousWeek } from '@rmi/rules';
import { createTestKey, shanghaiToday } from '@rmi/service-kit';
import type { Page } from 'playwright-core';
import t from 'tap';
import { ensureChromium, launchBrowser } from './helpers/browser.js';
import { type RunningService, root, startService } from './helpers/services.js';

// The township dashboard is opened in offices whose network reaches nothing outside. A real
// browser, cut off from every host but this machine, proves the page, its chart library and its
// figures all come from reporting under its own CSP, and that a township office sees its villages
// charted and ranked as the counters hold them.
const chromium = ensureChromium();
if (!chromium) {
  if (process.env.CI) t.fail('Debian chromium is missing and could not be installed: /dashboard is untested');
  else {
    console.error('\n!!! browser test SKIPPED: /usr/bin/chromium missing (apt-get install chromium) !!!\n');
    // Reported as skipped, never as passed: nothing was checked.
    t.test(
      'the dashboard at /dashboard in a real browser',
      { skip: 'no chromium: apt-get install chromium' },
      () => {},
    );
  }
} else {
  const TOWNSHIP = '500230209';
  const today = shanghaiToday();
  const thisYear = Number(today.slice(0, 4));
  // Reports answer only years a policy covers: the latest one for the township.
  const YEAR = [thisYear + 1, thisYear, thisYear - 1, thisYear - 2].find((y) =>
    findPolicy(BUILT_IN_POLICIES, TOWNSHIP, y),
  );
  if (YEAR === undefined) throw new Error('no built-in policy covers the demo township in recent years');
  const lastWeek = previousWeek(isoWeekOf(today)) ?? '';

  // Six villages, each rate distinct so the ranking is fixed: 南江村 99%, 联合村 96%, 栗子社区 95%,
  // 建龙村 80%, 金龙寨村 75%, 双石磙村 50%. A week ago 栗子社区 led and 南江村 was third.
  const VILLAGES = [
    { code: '500230209001', name: '栗子社区', target: 400, paid: 380, lastWeek: 360 },
    { code: '500230209200', name: '南江村', target: 300, paid: 297, lastWeek: 240 },
    { code: '500230209201', name: '建龙村', target: 250, paid: 200, lastWeek: 150 },
    { code: '500230209203', name: '金龙寨村', target: 200, paid: 150, lastWeek: 100 },
    { code: '500230209204', name: '联合村', target: 350, paid: 336, lastWeek: 300 },
    { code: '500230209206', name: '双石磙村', target: 180, paid: 90, lastWeek: 90 },
  ];
  const RANKED = [...VILLAGES].sort((a, b) => b.paid / b.target - a.paid / a.target);

  const tdb = await createTestDatabase();
  // The counters as the rebuild leaves them, written directly: the figures are what is tested here.
  await tdb.db
    .insertInto('reporting.village_counters')
    .values(
      VILLAGES.map((v) => ({
        year: YEAR,
        village_code: v.code,
        target: v.target,
        registered: 10,
        paid: v.paid,
        personal_fen: v.paid * 40_000,
      })),
    )
    .execute();
  await tdb.db
    .insertInto('reporting.group_counters')
    .values([
      {
        year: YEAR,
        village_code: '500230209001',
        identity_code: 'subsistence-allowance',
        department: 'civil-affairs',
        certified: 40,
        enrolled: 40,
        paid: 40,
      },
      {
        year: YEAR,
        village_code: '500230209200',
        identity_code: 'severe-disability',
        department: 'disabled-persons-federation',
        certified: 20,
        enrolled: 19,
        paid: 18,
      },
    ])
    .execute();
  const snapshot = await tdb.db
    .insertInto('reporting.snapshots')
    .values({ year: YEAR, week: lastWeek, closed: true })
    .returning('id')
    .executeTakeFirstOrThrow();
  await tdb.db
    .insertInto('reporting.snapshot_villages')
    .values(
      VILLAGES.map((v) => ({
        snapshot_id: snapshot.id,
        village_code: v.code,
        target: v.target,
        registered: 10,
        paid: v.lastWeek,
        cancelled: 0,
        transferred: 0,
      })),
    )
    .execute();

  const reporting: RunningService = await startService('reporting', tdb.url);
  const browser = await launchBrowser(chromium);
  const townshipKey = await createTestKey(tdb.db, 'dashboard', { regionCode: TOWNSHIP });
  const countyKey = await createTestKey(tdb.db, 'dashboard', { regionCode: '500230' });
  t.teardown(async () => {
    await browser.close();
    reporting.child.kill('SIGTERM');
    await reporting.exited;
    await tdb.destroy();
  });

  const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

  /** A page cut off from every host but this machine, recording what it tried and what failed. */
  async function offlinePage() {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const seen = { outside: [] as string[], blocked: [] as string[], pageErrors: [] as string[], graphql: 0 };
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (!LOOPBACK.has(url.hostname)) {
        seen.outside.push(url.href);
        return route.abort('internetdisconnected');
      }
      if (url.pathname === '/graphql') seen.graphql += 1;
      return route.continue();
    });
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) seen.blocked.push(message.text());
    });
    page.on('pageerror', (err) => seen.pageErrors.push(err.message));
    return { page, seen };
  }

  async function enterKey(page: Page, key: string) {
    await page.locator('#key').fill(key);
    await page.getByRole('button', { name: '进入看板' }).click();
  }

  const ready = (page: Page) => page.locator('#board[data-ready="true"]').waitFor({ timeout: 20_000 });

  t.test('a township key opens its township: one bar per village, the ranking in rank order', async (t) => {
    const { page, seen } = await offlinePage();
    const answer = await page.goto(`${reporting.url}/dashboard`);
    t.equal(answer?.status(), 200);
    t.match(answer?.headers()['content-security-policy'], /script-src 'self'(;|$)/, 'scripts from the service only');

    await enterKey(page, townshipKey.key);
    await ready(page);
    if ((await page.inputValue('#year')) !== String(YEAR)) {
      t.ok(YEAR < thisYear - 1, 'the latest year with figures is chosen when it is one of the last two');
      await page.selectOption('#year', String(YEAR));
      await ready(page);
    }
    t.match(await page.locator('#summary-title').textContent(), new RegExp(`栗子乡 ${YEAR} 年度`));
    t.same(
      await page.locator('#board .section-error').evaluateAll((boxes) => boxes.map((b) => b.textContent).join('')),
      '',
      'every section answered without an error',
    );

    const target = VILLAGES.reduce((n, v) => n + v.target, 0);
    const paid = VILLAGES.reduce((n, v) => n + v.paid, 0);
    t.equal(await page.locator('[data-figure="target"]').textContent(), target.toLocaleString('zh-CN'));
    t.equal(await page.locator('[data-figure="paid"]').textContent(), paid.toLocaleString('zh-CN'));

    // The chart is SVG: each village's paid is one <path> in the paid colour (its key is HTML).
    t.equal(
      await page.locator('#village-chart svg path[fill="#2f6fba"]').count(),
      VILLAGES.length,
      'one paid bar per village',
    );
    const option = await page.locator('#village-chart').evaluate((element) => {
      type Chart = {
        getOption(): { yAxis: Array<{ data: string[] }>; series: Array<{ name: string; data: number[] }> };
      };
      const { echarts } = globalThis as unknown as { echarts: { getInstanceByDom(e: unknown): Chart | undefined } };
      const chart = echarts.getInstanceByDom(element)?.getOption();
      return { villages: chart?.yAxis[0]?.data, series: chart?.series.map((s) => ({ name: s.name, data: s.data })) };
    });
    t.same(
      option.villages,
      VILLAGES.map((v) => v.name),
      'the chart names every village',
    );
    t.same(option.series, [
      { name: '任务数', data: VILLAGES.map((v) => v.target) },
      { name: '已缴费', data: VILLAGES.map((v) => v.paid) },
    ]);

    const rows = await page
      .locator('#ranking tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    t.same(
      rows.map((r) => [r[0], r[1]]),
      RANKED.map((v, i) => [String(i + 1), v.name]),
      'one row per village, in rank order',
    );
    t.same(
      rows.map((r) => r[4]),
      RANKED.map((v) => `${((v.paid / v.target) * 100).toFixed(1)}%`),
    );
    t.equal(rows[0]?.[5], '▲ 19.0个百分点', '南江村 rose from 80% to 99% over the week');
    t.equal(rows.at(-1)?.[5], '持平', '双石磙村 stayed at 50%');
    t.match(await page.locator('#week-label').textContent(), isoWeekOf(today));

    const groups = await page
      .locator('#groups tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    t.same(
      groups.map((g) => [g[1], g[7]]).sort(),
      [
        ['低保对象', '✔ 达标'],
        ['重度残疾', '✘ 未达标'],
      ],
      'special groups against the policy’s goal',
    );
    t.equal(await page.locator('#cash li').first().textContent(), '暂无现金预警');
    t.ok((await page.locator('#trend-chart svg path').count()) > 0, 'the weekly trend is drawn');

    await mkdir(path.join(root, 'test', 'artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(root, 'test', 'artifacts', 'dashboard.png'), fullPage: true });

    const before = seen.graphql;
    await page.reload();
    await ready(page);
    t.ok(await page.locator('#key-form').isHidden(), 'the key is asked for once per window');
    t.ok(seen.graphql > before, 'and the figures are read again with it');

    t.same(seen.outside, [], 'nothing was asked of any host but the service');
    t.same(seen.blocked, [], 'nothing blocked by the security headers');
    t.same(seen.pageErrors, [], 'no script failed');
    await page.close();
  });

  t.test('a county key picks a township; a refused key and an out-of-scope region show their codes', async (t) => {
    const { page, seen } = await offlinePage();
    await page.goto(`${reporting.url}/dashboard`);
    await enterKey(page, countyKey.key);
    const picker = page.getByRole('combobox', { name: '请选择乡镇' });
    await picker.waitFor({ timeout: 20_000 });
    t.ok((await picker.locator('option').count()) > 2, 'the townships of the county are offered');
    await picker.selectOption(TOWNSHIP);
    await ready(page);
    t.equal(await page.locator('#ranking tbody tr').count(), VILLAGES.length);

    await page.getByRole('link', { name: '更换密钥' }).click();
    t.ok(await page.locator('#key-form').isVisible(), 'another key is asked for');
    await enterKey(page, 'rmi_not_a_key');
    await page.locator('#errors code').first().waitFor({ timeout: 20_000 });
    t.match(await page.locator('#errors').textContent(), /UNAUTHENTICATED/, 'the refusal is shown with its code');
    t.ok(await page.locator('#key-form').isVisible(), 'and the key is asked for again');

    // A village key reaches its township's page, which it may not read: the sections say so.
    const villageKey = await createTestKey(tdb.db, 'dashboard', { regionCode: '500230209200' });
    await enterKey(page, villageKey.key);
    await ready(page);
    t.match(await page.locator('#ranking .section-error').textContent(), /OUT_OF_SCOPE/, 'OUT_OF_SCOPE is shown');

    t.same(seen.outside, [], 'nothing was asked of any host but the service');
    t.same(seen.pageErrors, [], 'no script failed');
    await page.close();
  });

  t.test('the page and its files come from the service', async (t) => {
    const html = await (await fetch(`${reporting.url}/dashboard`)).text();
    t.notMatch(html, /https?:\/\//, 'no absolute URL in the page');
    const files = [...html.matchAll(/(?:src|href)="(dashboard\/assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
    t.ok(
      files.some((f) => /echarts\.[0-9a-f]{12}\.min\.js$/.test(f)),
      'ECharts under a content-hashed name',
    );
    for (const file of files) {
      const res = await fetch(`${reporting.url}/${file}`);
      t.equal(res.status, 200, file);
      const etag = res.headers.get('etag') ?? '';
      if (file.includes('echarts')) t.match(res.headers.get('cache-control'), /immutable/);
      else {
        const again = await fetch(`${reporting.url}/${file}`, { headers: { 'if-none-match': etag } });
        t.equal(again.status, 304, `${file} revalidated`);
      }
    }
    const labels = await (await fetch(`${reporting.url}/dashboard/assets/labels.js`)).text();
    t.match(labels, /"subsistence-allowance":"低保对象"/, 'identity names from @rmi/rules');
    const missing = await fetch(`${reporting.url}/dashboard/assets/nothing.js`);
    t.equal(missing.status, 404);
    t.equal(((await missing.json()) as { code: string }).code, 'NOT_FOUND');
  });
}
