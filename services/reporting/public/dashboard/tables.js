// The ranking, special groups and cash alerts, written with textContent only: names come from the
// database and are never read as HTML.

import { change, count, percent, shortName, yuan } from './format.js';
import { DEPARTMENT_LABELS, IDENTITY_LABELS } from './labels.js';

function row(cells) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    if (typeof cell === 'object') {
      td.textContent = cell.text;
      if (cell.className) td.className = cell.className;
      if (cell.title) td.title = cell.title;
    } else td.textContent = cell;
    tr.append(td);
  }
  return tr;
}

function emptyRow(columns, text) {
  const tr = document.createElement('tr');
  const td = document.createElement('td');
  td.colSpan = columns;
  td.className = 'empty';
  td.textContent = text;
  tr.append(td);
  return tr;
}

/** 排名 · 村（社区） · 任务数 · 已缴费 · 完成率 · 较上周, in rank order as the service ranked them. */
export function showRanking(tbody, villages) {
  const rows = [...villages].sort((a, b) => a.rank - b.rank);
  tbody.replaceChildren(
    ...(rows.length === 0
      ? [emptyRow(6, '本周暂无各村数据')]
      : rows.map((v) => {
          const moved = change(v.rateChange);
          const earlier = v.previousRank === null ? '上周无数据' : `上周第 ${v.previousRank} 名`;
          return row([
            { text: String(v.rank), className: 'num' },
            { text: shortName(v.region.name), title: v.region.name },
            { text: count(v.target), className: 'num' },
            { text: count(v.paid), className: 'num' },
            { text: percent(v.rate), className: 'num' },
            { text: moved.text, className: `change ${moved.trend}`, title: earlier },
          ]);
        })),
  );
}

/** 部门 · 身份类别 · 认定人数 · 已参保 · 已缴费 · 缴费率 · 目标 · 是否达标. */
export function showGroups(tbody, groups) {
  tbody.replaceChildren(
    ...(groups.length === 0
      ? [emptyRow(8, '本乡镇暂无认定的特殊群体人员')]
      : groups.map((g) =>
          row([
            DEPARTMENT_LABELS[g.department] ?? g.department,
            { text: IDENTITY_LABELS[g.identity] ?? g.identity, title: g.identity },
            { text: count(g.certified), className: 'num' },
            { text: count(g.enrolled), className: 'num' },
            { text: count(g.paid), className: 'num' },
            { text: percent(g.rate), className: 'num' },
            { text: g.goal === null ? '—' : percent(g.goal), className: 'num' },
            g.met === null
              ? '—'
              : g.met
                ? { text: '✔ 达标', className: 'met' }
                : { text: '✘ 未达标', className: 'unmet' },
          ]),
        )),
  );
}

const KINDS = { 'same-day-limit': '超过当日限额', 'late-deposit': '逾期未存银行' };

/** Collectors holding cash beyond the double limit (双限). */
export function showCash(list, alerts) {
  const items = alerts.map((a) => {
    const li = document.createElement('li');
    const who = document.createElement('strong');
    who.textContent = a.collector;
    const what = document.createElement('span');
    what.className = 'kind';
    what.textContent = KINDS[a.kind] ?? a.kind;
    const detail = document.createElement('span');
    const receipts = a.receiptNumbers?.length ? `，收据 ${a.receiptNumbers.length} 张` : '';
    detail.textContent = `自 ${a.since} 起未存现金 ${yuan(a.undepositedFen)}${receipts}`;
    li.append(who, what, detail);
    return li;
  });
  if (items.length === 0) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = '暂无现金预警';
    items.push(li);
  }
  list.replaceChildren(...items);
}
