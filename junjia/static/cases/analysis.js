// 满意度分析: draws the satisfaction rates passed by the page (json_script #analysis-data)
// with ECharts; a click on a bar or point opens the evaluated cases behind it.
// Tooltips are drawn on the canvas (richText): CSP forbids the inline styles of HTML tooltips.
(function () {
  "use strict";

  function draw() {
    var holder = document.getElementById("analysis-chart");
    var source = document.getElementById("analysis-data");
    if (!holder || !source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var line = data.kind === "line";
    var narrow = window.matchMedia("(max-width: 760px)").matches;
    if (!line) {
      // One bar per row, readable names on the left: the height follows the number of rows.
      holder.style.height = Math.max(220, data.labels.length * 34 + 80) + "px";
    }
    var chart = window.echarts.init(holder, null, { renderer: "canvas" });
    var rates = data.rates.map(function (rate, i) {
      return {
        value: rate,
        total: data.totals[i],
        itemStyle: { color: rate !== null && rate < data.target ? "#b71c1c" : "#2e7d32" }
      };
    });
    var valueAxis = {
      type: "value", min: 0, max: 100,
      axisLabel: { formatter: "{value}%" }
    };
    var categoryAxis = {
      type: "category", data: data.labels,
      axisLabel: { width: narrow ? 90 : 180, overflow: "truncate" }
    };
    var target = {
      silent: true, symbol: "none",
      lineStyle: { color: "#b26a00", type: "dashed" },
      label: { formatter: "目标 " + data.target + "%", position: line ? "end" : "start" },
      data: [line ? { yAxis: data.target } : { xAxis: data.target }]
    };
    chart.setOption({
      animation: false,
      grid: { left: 10, right: 44, top: 36, bottom: 16, containLabel: true },
      tooltip: {
        trigger: "item",
        renderMode: "richText",
        formatter: function (p) {
          return p.name + "\n满意率 " + p.value + "%（" + p.data.total + " 条评价）";
        }
      },
      xAxis: line ? categoryAxis : valueAxis,
      yAxis: line ? valueAxis : Object.assign(categoryAxis, { inverse: true }),
      series: [{
        type: line ? "line" : "bar",
        data: rates,
        barMaxWidth: 26,
        symbolSize: 9,
        cursor: "pointer",
        label: { show: true, position: line ? "top" : "right", formatter: "{c}%" },
        markLine: target
      }]
    });
    chart.on("click", function (p) {
      window.location.href = data.drill + encodeURIComponent(p.name);
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
