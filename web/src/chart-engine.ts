// The charts, drawn with ECharts (only the parts used are bundled). Loaded on
// demand through chart.ts, so the first page load carries no ECharts. Bar lengths are geometry, so they may be floats; every number a person reads
// (labels, tooltip) is formatted from the exact money strings.
import { BarChart } from "echarts/charts";
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { toFen } from "./money";

echarts.use([BarChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, CanvasRenderer]);

import type { Bar, Series } from "./chart";

const charts = new WeakMap<HTMLElement, echarts.ECharts>();

function chartOf(el: HTMLElement): echarts.ECharts {
  let chart = charts.get(el);
  if (!chart) {
    chart = echarts.init(el, undefined, { renderer: "canvas" });
    charts.set(el, chart);
    const c = chart;
    new ResizeObserver(() => c.resize()).observe(el);
  }
  return chart;
}

export function drawBars(el: HTMLElement, bars: Bar[], description: string): void {
  const chart = chartOf(el);
  const byIndex = bars.map((b) => b.display);
  chart.setOption(
    {
      aria: { enabled: true, label: { description } },
      animation: false,
      grid: { left: 8, right: 96, top: 8, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "item",
        formatter: (p: { dataIndex: number; name: string }) => `${p.name}<br/>${byIndex[p.dataIndex]}`,
      },
      xAxis: { type: "value", show: false },
      yAxis: {
        type: "category",
        inverse: true,
        data: bars.map((b) => b.label),
        axisLabel: { color: "#1f2937", fontSize: 13, width: 150, overflow: "truncate" },
        axisTick: { show: false },
      },
      series: [
        {
          type: "bar",
          barMaxWidth: 28,
          itemStyle: { color: "#b91c1c" },
          // 万元 as a float for the bar's length only.
          data: bars.map((b) => Number(toFen(b.amount) ?? 0n) / 1e6),
          label: {
            show: true,
            position: "right",
            color: "#1f2937",
            formatter: (p: { dataIndex: number }) => byIndex[p.dataIndex],
          },
        },
      ],
    },
    true,
  );
}

export function disposeChart(el: HTMLElement): void {
  charts.get(el)?.dispose();
  charts.delete(el);
}

/**
 * Categories (measures, years) with one bar per series side by side, e.g.
 * committed and paid, or before and after a change. Horizontal bars, so long
 * Chinese category names stay readable on a phone.
 */
export function drawGroupedBars(el: HTMLElement, categories: string[], series: Series[], description: string): void {
  const chart = chartOf(el);
  el.setAttribute("role", "img");
  el.setAttribute("aria-label", description);
  chart.setOption(
    {
      aria: { enabled: true, label: { description } },
      animation: false,
      legend: { top: 0, textStyle: { color: "#1f2937" } },
      grid: { left: 8, right: 96, top: 32, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: (ps: Array<{ dataIndex: number; seriesIndex: number; name: string }>) =>
          [ps[0]?.name ?? "", ...ps.map((p) => `${series[p.seriesIndex].name}: ${series[p.seriesIndex].displays[p.dataIndex]}`)].join("<br/>"),
      },
      xAxis: { type: "value", show: false },
      yAxis: {
        type: "category",
        inverse: true,
        data: categories,
        axisLabel: { color: "#1f2937", fontSize: 12, width: 140, overflow: "truncate" },
        axisTick: { show: false },
      },
      series: series.map((s) => ({
        type: "bar",
        name: s.name,
        barMaxWidth: 18,
        itemStyle: { color: s.color },
        data: s.amounts.map((a) => Number(toFen(a) ?? 0n) / 1e6),
        label: { show: true, position: "right", color: "#1f2937", fontSize: 11, formatter: (p: { dataIndex: number }) => s.displays[p.dataIndex] },
      })),
    },
    true,
  );
}
