// ECharts with the SVG renderer: sharp when printed or zoomed on an office projector, and each bar
// is an element of the page. Animation is off: the figures are read, not watched.

import { count, percent, shortName } from './format.js';

const { echarts } = globalThis;
export const PAID_COLOUR = '#2f6fba';
const TARGET_COLOUR = '#dde4ec';
const BAR = 18;
const VILLAGE_HEIGHT = BAR + 14;

function chartIn(element) {
  return echarts.getInstanceByDom(element) ?? echarts.init(element, null, { renderer: 'svg', locale: 'ZH' });
}

const html = (text) => echarts.format.encodeHTML(text);

/** Each village's paid (the blue bar) over its target (the grey bar behind it), labelled with the rate. */
export function showVillages(element, villages) {
  element.style.height = `${Math.max(160, 40 + villages.length * VILLAGE_HEIGHT)}px`;
  const chart = chartIn(element);
  chart.resize();
  chart.setOption(
    {
      animation: false,
      aria: { enabled: true },
      // The key is in the section's heading (HTML): inside the SVG its swatch would be one more
      // element in the paid colour beside the bars.
      grid: { left: 8, right: 72, top: 8, bottom: 8, containLabel: true },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (items) => {
          const v = villages[items[0].dataIndex];
          return `${html(v.name)}<br>任务数 ${count(v.target)} 人<br>已缴费 ${count(v.paid)} 人<br>完成率 ${percent(v.rate)}`;
        },
      },
      xAxis: { type: 'value', name: '人', splitLine: { lineStyle: { type: 'dashed' } } },
      yAxis: { type: 'category', inverse: true, data: villages.map((v) => shortName(v.name)) },
      series: [
        {
          name: '任务数',
          type: 'bar',
          data: villages.map((v) => v.target),
          itemStyle: { color: TARGET_COLOUR },
          barWidth: BAR,
          barGap: '-100%',
          silent: true,
        },
        {
          name: '已缴费',
          type: 'bar',
          data: villages.map((v) => v.paid),
          itemStyle: { color: PAID_COLOUR },
          barWidth: BAR,
          barGap: '-100%',
          label: {
            show: true,
            position: 'right',
            formatter: ({ dataIndex }) => percent(villages[dataIndex].rate),
          },
        },
      ],
    },
    true,
  );
}

/** The township's completion week by week, against the whole target (100%). */
export function showTrend(element, weeks) {
  const chart = chartIn(element);
  chart.setOption(
    {
      animation: false,
      aria: { enabled: true },
      grid: { left: 16, right: 48, top: 28, bottom: 8, containLabel: true },
      tooltip: {
        trigger: 'axis',
        formatter: (items) => {
          const w = weeks[items[0].dataIndex];
          return `${html(w.week)}${w.closed ? '' : '（本周）'}<br>完成率 ${percent(w.rate)}<br>已缴费 ${count(w.paid)} / 任务数 ${count(w.target)}`;
        },
      },
      xAxis: { type: 'category', data: weeks.map((w) => w.week.replace(/^\d{4}-/, '')) },
      yAxis: { type: 'value', min: 0, axisLabel: { formatter: (v) => `${v}%` } },
      series: [
        {
          name: '完成率',
          type: 'line',
          data: weeks.map((w) => Number((w.rate * 100).toFixed(1))),
          itemStyle: { color: PAID_COLOUR },
          label: { show: true, position: 'top', formatter: '{c}%' },
          markLine: {
            silent: true,
            symbol: 'none',
            data: [{ yAxis: 100, name: '任务数' }],
            label: { position: 'insideEndTop', formatter: '任务数 100%' },
          },
        },
      ],
    },
    true,
  );
}

export function clearChart(element) {
  echarts.getInstanceByDom(element)?.clear();
}

export function resizeCharts(elements) {
  for (const element of elements) echarts.getInstanceByDom(element)?.resize();
}
