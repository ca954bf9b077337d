// The township dashboard: asks for the key once, finds the township, and fills each section from
// its own /graphql request, so one section's error shows in that section and the rest still show.

import { clearChart, resizeCharts, showTrend, showVillages } from './charts.js';
import { count, percent, shanghaiDate } from './format.js';
import { GraphqlErrors, graphql, KeyRefused, keyStore } from './graphql-client.js';
import { createRegionPicker } from './region-picker.js';
import { showCash, showGroups, showRanking } from './tables.js';

const $ = (selector) => document.querySelector(selector);

const QUERIES = {
  probe: /* GraphQL */ `
    query DashboardYear($township: ID!, $year: Int!) {
      progress(regionCode: $township, year: $year) { target registered paid }
    }`,
  progress: /* GraphQL */ `
    query DashboardProgress($township: ID!, $year: Int!) {
      progress(regionCode: $township, year: $year) {
        region { name }
        target paid rate gap
        children { region { code name } target paid rate gap }
      }
    }`,
  ranking: /* GraphQL */ `
    query DashboardRanking($township: ID!, $year: Int!) {
      weeklyReport(townshipCode: $township, year: $year) {
        week closed takenAt
        villages { region { code name } rank previousRank rate rateChange target paid }
      }
    }`,
  trend: /* GraphQL */ `
    query DashboardTrend($township: ID!, $year: Int!) {
      weeklyTrend(regionCode: $township, year: $year) { week target paid rate closed }
    }`,
  groups: /* GraphQL */ `
    query DashboardGroups($township: ID!, $year: Int!) {
      specialGroups(regionCode: $township, year: $year) { identity department certified enrolled paid rate goal met }
    }`,
  cash: /* GraphQL */ `
    query DashboardCash($township: ID!) {
      cashAlerts(regionCode: $township) { collector kind since undepositedFen receiptNumbers }
    }`,
};

const state = { township: null, year: null, yearChosen: false, loading: 0 };

const board = $('#board');
const form = $('#key-form');
const controls = $('#controls');
const yearSelect = $('#year');
const charts = [$('#village-chart'), $('#trend-chart')];

function errorLines(err) {
  if (err instanceof GraphqlErrors) return err.errors.map((e) => [e.extensions?.code ?? 'ERROR', e.message]);
  if (err instanceof KeyRefused) return [[err.code, err.detail]];
  return [['ERROR', err?.message ?? String(err)]];
}

function showError(box, err) {
  box.replaceChildren(
    ...errorLines(err).map(([code, message]) => {
      const p = document.createElement('p');
      const c = document.createElement('code');
      c.textContent = code;
      p.append(c, ` ${message}`);
      return p;
    }),
  );
}

/** Errors that stop the whole page (no township, the picker failed). */
function pageError(err) {
  if (err instanceof KeyRefused) return keyRefused(err);
  showError($('#errors'), err);
}

/** 401/403: the key is unknown, revoked or not a reading key. Said so, and another asked for. */
function keyRefused(err) {
  keyStore.clear();
  askKey();
  const box = $('#errors');
  showError(box, err);
  box.prepend(
    Object.assign(document.createElement('p'), {
      textContent: err.status === 401 ? '密钥无效或已停用，请重新输入。' : '这个密钥不能查看报表，请换用看板密钥。',
    }),
  );
}

function askKey() {
  board.hidden = true;
  board.dataset.ready = 'false';
  controls.hidden = true;
  form.hidden = false;
  state.township = null;
  form.elements.key.value = '';
  form.elements.key.focus();
}

/** One section's request: its error is shown in the section itself, never swallowed. */
async function section(sections, work) {
  const boxes = sections.map((s) => s.querySelector('.section-error'));
  for (const s of sections) s.classList.add('loading');
  for (const box of boxes) box.replaceChildren();
  try {
    await work();
  } catch (err) {
    if (err instanceof KeyRefused) throw err;
    for (const box of boxes) showError(box, err);
  } finally {
    for (const s of sections) s.classList.remove('loading');
  }
}

async function loadProgress(vars) {
  const summary = $('#summary');
  const { progress } = await graphql(QUERIES.progress, vars).catch((err) => {
    for (const el of summary.querySelectorAll('[data-figure]')) el.textContent = '—';
    clearChart($('#village-chart'));
    throw err;
  });
  $('#summary-title').textContent = `${progress.region.name} ${vars.year} 年度参保缴费进度`;
  const figures = {
    target: count(progress.target),
    paid: count(progress.paid),
    rate: percent(progress.rate),
    gap: count(progress.gap),
  };
  for (const el of summary.querySelectorAll('[data-figure]')) el.textContent = figures[el.dataset.figure];
  showVillages(
    $('#village-chart'),
    progress.children.map((c) => ({ name: c.region.name, target: c.target, paid: c.paid, rate: c.rate })),
  );
}

async function loadRanking(vars) {
  const tbody = $('#ranking tbody');
  const label = $('#week-label');
  label.textContent = '';
  tbody.replaceChildren();
  const { weeklyReport: report } = await graphql(QUERIES.ranking, vars);
  label.textContent = `${report.week}（${report.closed ? '已结周' : report.takenAt ? '本周快照' : '本周实时'}）`;
  showRanking(tbody, report.villages);
}

async function loadTrend(vars) {
  const element = $('#trend-chart');
  const { weeklyTrend } = await graphql(QUERIES.trend, vars).catch((err) => {
    clearChart(element);
    throw err;
  });
  element.dataset.empty = String(weeklyTrend.length === 0);
  showTrend(element, weeklyTrend);
}

async function loadGroups(vars) {
  const tbody = $('#groups tbody');
  tbody.replaceChildren();
  showGroups(tbody, (await graphql(QUERIES.groups, vars)).specialGroups);
}

async function loadCash(vars) {
  const list = $('#cash ul');
  list.replaceChildren();
  showCash(list, (await graphql(QUERIES.cash, { township: vars.township })).cashAlerts);
}

/** Every section for the township and year chosen; `data-ready` on the board says they are in. */
async function load() {
  const vars = { township: state.township.code, year: state.year };
  const run = ++state.loading;
  board.hidden = false;
  board.dataset.ready = 'false';
  document.title = `${state.township.name} · 参保缴费进度看板`;
  try {
    await Promise.all([
      section([$('#summary'), $('#villages')], () => loadProgress(vars)),
      section([$('#ranking')], () => loadRanking(vars)),
      section([$('#trend')], () => loadTrend(vars)),
      section([$('#groups')], () => loadGroups(vars)),
      section([$('#cash')], () => loadCash(vars)),
    ]);
  } catch (err) {
    pageError(err);
  } finally {
    if (run === state.loading) board.dataset.ready = 'true';
  }
}

/**
 * Years from next year back; the default is the latest of next, this and last year that has
 * figures for the township, else the year being collected (collection opens in the autumn).
 */
async function chooseYear() {
  const { year, month } = shanghaiDate();
  if (yearSelect.options.length === 0) {
    for (let y = year + 1; y >= year - 4; y--) yearSelect.append(new Option(`${y} 年度`, String(y)));
  }
  if (state.yearChosen) return;
  const candidates = [year + 1, year, year - 1];
  const probes = await Promise.allSettled(
    candidates.map((y) => graphql(QUERIES.probe, { township: state.township.code, year: y })),
  );
  const refused = probes.find((p) => p.status === 'rejected' && p.reason instanceof KeyRefused);
  if (refused) throw refused.reason;
  const found = probes.findIndex(
    (p) => p.status === 'fulfilled' && (p.value.progress.target > 0 || p.value.progress.registered > 0),
  );
  state.year = found >= 0 ? candidates[found] : month >= 9 ? year + 1 : year;
  yearSelect.value = String(state.year);
}

async function onTownship(township) {
  state.township = township;
  $('#errors').replaceChildren();
  await chooseYear();
  await load();
}

const picker = createRegionPicker($('#region-pickers'), onTownship);

async function start() {
  board.dataset.ready = 'false';
  form.hidden = true;
  controls.hidden = false;
  $('#errors').replaceChildren();
  try {
    await picker.start(pageError);
  } catch (err) {
    pageError(err);
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = form.elements.key.value.trim();
  if (!key) return;
  keyStore.set(key);
  start();
});

$('#change-key').addEventListener('click', (event) => {
  event.preventDefault();
  keyStore.clear();
  picker.forget();
  $('#errors').replaceChildren();
  askKey();
});

yearSelect.addEventListener('change', () => {
  state.year = Number(yearSelect.value);
  state.yearChosen = true;
  if (state.township) load();
});

window.addEventListener('resize', () => resizeCharts(charts));

if (keyStore.get()) start();
else askKey();
