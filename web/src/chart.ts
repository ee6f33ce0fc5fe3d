// Awards by measure as a bar chart. Only the ECharts parts used are bundled.
// Bar lengths are geometry, so they may be floats; every number a person reads
// (labels, tooltip) is formatted from the exact money strings.
import { BarChart } from "echarts/charts";
import { AriaComponent, GridComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { toFen } from "./money";

echarts.use([BarChart, GridComponent, TooltipComponent, AriaComponent, CanvasRenderer]);

export interface Bar {
  label: string; // the category, e.g. "04 数据要素流通交易"
  amount: string; // exact money string
  display: string; // the amount as the reader sees it
}

const charts = new WeakMap<HTMLElement, echarts.ECharts>();

export function drawBars(el: HTMLElement, bars: Bar[], description: string): void {
  let chart = charts.get(el);
  if (!chart) {
    chart = echarts.init(el, undefined, { renderer: "canvas" });
    charts.set(el, chart);
    const c = chart;
    new ResizeObserver(() => c.resize()).observe(el);
  }
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
