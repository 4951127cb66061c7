// The log search histogram: bars drawn by Apache ECharts (vendored) from the counts the
// server put in the page. The table under it holds the same numbers, so the page reads
// without this script.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("log-histogram-data");
  const el = document.getElementById("log-histogram");
  if (!data || !el || typeof echarts === "undefined") return;
  const c = JSON.parse(data.textContent);
  const chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    aria: { enabled: false }, // the container's label and the table describe it
    tooltip: { trigger: "axis" },
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: c.labels },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", name: c.name, data: c.counts, barCategoryGap: "10%" }],
  });
  window.addEventListener("resize", () => chart.resize());
});
