// The home dashboard's charts: stacked bars drawn by Apache ECharts (vendored, see
// docs/DEPENDENCIES.md) from the figures the server put in the page. Each chart's table
// below it holds the same numbers and links, so the page reads without this script.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("dashboard-charts");
  if (!data || typeof echarts === "undefined") return;
  const css = getComputedStyle(document.documentElement);
  const colour = (status) => css.getPropertyValue("--status-" + status + "-line").trim() || "#6b7480";
  // Stripes mark the open statuses, so that colour is never the only cue.
  const decal = { "not-implemented": { symbol: "rect", dashArrayX: [1, 0], dashArrayY: [2, 3], rotation: -Math.PI / 4 },
    "partial": { symbol: "circle", symbolSize: 0.6, dashArrayX: [[4, 4]], dashArrayY: [4, 4] },
    "not-assessed": { symbol: "rect", dashArrayX: [[6, 4]], dashArrayY: [1, 5] } };
  for (const c of JSON.parse(data.textContent)) {
    const el = document.getElementById(c.id);
    if (!el) continue;
    el.style.height = Math.max(140, 44 * c.categories.length + 70) + "px";
    const chart = echarts.init(el, null, { renderer: "svg" });
    // Each bar is its row's share by status (100 % stacked), so that a site of 40 devices
    // compares with one of 4,000; the tooltip and the table give the counts.
    const totals = c.categories.map((_, i) => c.series.reduce((n, s) => n + s.data[i], 0));
    const share = (v, i) => (totals[i] ? Math.round(1000 * v / totals[i]) / 10 : 0);
    chart.setOption({
      animation: false,
      aria: { enabled: false }, // the container's label and the table below describe it
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
        formatter: (ps) => {
          const i = ps[0].dataIndex;
          const rows = c.series.map((s) => echarts.format.encodeHTML(s.name) + ": " + s.data[i] + " (" + share(s.data[i], i) + " %)");
          return "<b>" + echarts.format.encodeHTML(c.categories[i]) + "</b><br>" + rows.join("<br>") + "<br>" + echarts.format.encodeHTML(c.total_label) + ": " + totals[i];
        } },
      legend: { top: 0, type: "scroll", data: c.series.map((s) => s.name) },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value} %" } },
      // Each label starts with the share implemented or compensated.
      yAxis: { type: "category", inverse: true, data: c.categories.map((n, i) => c.percent[i] + " % · " + n),
        axisLabel: { width: 260, overflow: "truncate" } },
      series: c.series.map((s) => ({
        type: "bar", stack: "all", name: s.name, data: s.data.map(share), barMaxWidth: 28,
        itemStyle: { color: colour(s.status), decal: decal[s.status] ? Object.assign({ color: "rgba(255,255,255,0.55)" }, decal[s.status]) : undefined },
        emphasis: { focus: "series" },
      })),
    });
    chart.on("click", (p) => { if (c.links[p.dataIndex]) window.location.href = c.links[p.dataIndex]; });
    window.addEventListener("resize", () => chart.resize());
  }
});
