// 覆盖情况: one bar per child region, its rate (json_script #coverage-data), drawn with
// ECharts; a click on a bar opens that region. The table beside it holds the same figures.
// Tooltips are drawn on the canvas (richText): CSP forbids the inline styles of HTML tooltips.
(function () {
  "use strict";

  function draw() {
    var holder = document.getElementById("coverage-chart");
    var source = document.getElementById("coverage-data");
    if (!holder || !source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var narrow = window.matchMedia("(max-width: 760px)").matches;
    // One bar per region, names on the left: the height follows the number of regions.
    holder.style.height = Math.max(200, data.labels.length * 34 + 70) + "px";
    var chart = window.echarts.init(holder, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 10, right: 48, top: 16, bottom: 16, containLabel: true },
      tooltip: {
        trigger: "item",
        renderMode: "richText",
        formatter: function (p) {
          return p.name + "\n" + data.label + " " + (p.value === null ? "—" : p.value + "%");
        }
      },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: {
        type: "category", data: data.labels, inverse: true,
        axisLabel: { width: narrow ? 90 : 180, overflow: "truncate" }
      },
      series: [{
        type: "bar",
        name: data.label,
        data: data.rates,
        itemStyle: { color: "#2e7d32" },
        barMaxWidth: 24,
        cursor: "pointer",
        label: { show: true, position: "right", formatter: function (p) { return p.value === null ? "—" : p.value + "%"; } }
      }]
    });
    chart.on("click", function (p) {
      if (data.links[p.dataIndex]) { window.location.href = data.links[p.dataIndex]; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
