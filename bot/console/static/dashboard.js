/* Dashboard charts (Chart.js, vendored under vendor/). Data comes from the page's JSON block.
   The charts follow their boxes' width (the CSS lets the grid shrink), and the donut prints its numbers. */
(function () {
  "use strict";
  var node = document.getElementById("dash-data");
  if (!node || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(node.textContent);
  var teal = "#1b6b7b", amber = "#e0a526", coral = "#b83244";
  Chart.defaults.font.family = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.responsive = true;
  var sliceNumbers = {  // each slice's count, written on the slice
    id: "sliceNumbers",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      chart.getDatasetMeta(0).data.forEach(function (arc, i) {
        var value = chart.data.datasets[0].data[i];
        if (!value) {
          return;
        }
        var at = arc.tooltipPosition();
        ctx.save();
        ctx.fillStyle = i === 1 ? "#1d2a33" : "#fff";
        ctx.font = "bold 15px " + Chart.defaults.font.family;
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(String(value), at.x, at.y);
        ctx.restore();
      });
    }
  };
  new Chart(document.getElementById("chart-daily"), {
    type: "bar",
    data: {labels: data.days, datasets: [{label: "消息数", data: data.messages_per_day, backgroundColor: teal}]},
    options: {plugins: {legend: {display: false}}, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}
  });
  new Chart(document.getElementById("chart-outcomes"), {
    type: "doughnut",
    data: {labels: data.outcome_labels, datasets: [{data: data.outcomes, backgroundColor: [teal, amber, coral]}]},
    options: {plugins: {legend: {position: "bottom"}}},
    plugins: [sliceNumbers]
  });
  new Chart(document.getElementById("chart-intents"), {
    type: "bar",
    data: {
      labels: data.top_intents.map(function (row) { return row[0]; }),
      datasets: [{label: "次数", data: data.top_intents.map(function (row) { return row[1]; }), backgroundColor: teal}]
    },
    options: {indexAxis: "y", plugins: {legend: {display: false}}, scales: {x: {beginAtZero: true, ticks: {precision: 0}}}}
  });
})();
