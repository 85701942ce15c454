/* Dashboard charts (Chart.js, vendored under vendor/). Data comes from the page's JSON block. */
(function () {
  "use strict";
  var node = document.getElementById("dash-data");
  if (!node || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(node.textContent);
  var teal = "#1f7a8c", amber = "#e0a526", coral = "#d1495b";
  Chart.defaults.font.family = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  new Chart(document.getElementById("chart-daily"), {
    type: "bar",
    data: {labels: data.days, datasets: [{label: "消息数", data: data.messages_per_day, backgroundColor: teal}]},
    options: {plugins: {legend: {display: false}}, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}
  });
  new Chart(document.getElementById("chart-outcomes"), {
    type: "doughnut",
    data: {labels: data.outcome_labels, datasets: [{data: data.outcomes, backgroundColor: [teal, amber, coral]}]},
    options: {plugins: {legend: {position: "bottom"}}}
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
