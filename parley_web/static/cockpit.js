// Parley cockpit: draws the charts of the current page with Chart.js from its JSON island
// (<script type="application/json" id="chart-data">). No inline script anywhere (the CSP forbids it).
(function () {
  "use strict";
  var COLORS = ["#2f6fdf", "#e0812b", "#2c9c6a", "#b9417a", "#7a5cc7", "#8c6d1f", "#3a9fb8"];

  function data() {
    var node = document.getElementById("chart-data");
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function heatColor(v) {
    // red (0) -> amber (50) -> green (100)
    var h = Math.max(0, Math.min(120, (v || 0) * 1.2));
    return "hsl(" + h + ", 65%, 52%)";
  }

  function heatmap(canvas, d) {
    if (!d.cells.length) { canvas.parentNode.classList.add("empty"); return; }
    var rows = d.trainees.length;
    canvas.parentNode.style.height = Math.max(160, 60 + rows * 26) + "px";
    new Chart(canvas, {
      type: "matrix",
      data: { datasets: [{
        label: "Average score", data: d.cells,
        backgroundColor: function (c) { var p = c.dataset.data[c.dataIndex]; return heatColor(p && p.v); },
        borderColor: "#ffffff", borderWidth: 1,
        width: function (c) { var a = c.chart.chartArea; return a ? a.width / d.labels.length - 2 : 10; },
        height: function (c) { var a = c.chart.chartArea; return a ? a.height / rows - 2 : 10; }
      }] },
      options: {
        maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: {
          title: function () { return ""; },
          label: function (c) { var p = c.raw; return p.y + " · " + p.x + ": " + p.v; } } } },
        scales: {
          x: { type: "category", labels: d.labels, offset: true, grid: { display: false }, position: "top",
               ticks: { autoSkip: false, maxRotation: 60 } },
          y: { type: "category", labels: d.trainees, offset: true, reverse: false, grid: { display: false },
               ticks: { autoSkip: false } }
        }
      }
    });
  }

  function personas(canvas, d) {
    if (!d.personas.length) { canvas.parentNode.classList.add("empty"); return; }
    new Chart(canvas, {
      data: {
        labels: d.personas.map(function (p) { return p.persona.replace(/_/g, " "); }),
        datasets: [
          { type: "bar", label: "Average deal price", data: d.personas.map(function (p) { return p.price; }),
            backgroundColor: "#2f6fdf", yAxisID: "price" },
          { type: "bar", label: "Floor price", data: d.personas.map(function (p) { return p.floor; }),
            backgroundColor: "#b8c4d6", yAxisID: "price" },
          { type: "line", label: "Deal rate %", data: d.personas.map(function (p) { return p.deal_rate; }),
            borderColor: "#e0812b", backgroundColor: "#e0812b", yAxisID: "rate" }
        ]
      },
      options: { maintainAspectRatio: false, animation: false,
        scales: { price: { position: "left", beginAtZero: true, title: { display: true, text: "price" } },
                  rate: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false },
                          title: { display: true, text: "deal rate %" } } } }
    });
  }

  function weeks(series) {
    var seen = {};
    Object.keys(series).forEach(function (id) { series[id].forEach(function (p) { seen[p[0]] = 1; }); });
    return Object.keys(seen).sort();
  }

  function progress(canvas, d) {
    var ids = Object.keys(d.series);
    var any = ids.some(function (id) { return d.series[id].length; });
    if (!any) { canvas.parentNode.classList.add("empty"); return; }
    new Chart(canvas, {
      type: "line",
      data: { datasets: ids.map(function (id, i) {
        return { label: d.names[id] || id, data: d.series[id].map(function (p) { return { x: p[0], y: p[1] }; }),
                 borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length],
                 pointRadius: 2, tension: 0.2 };
      }) },
      options: { maintainAspectRatio: false, animation: false, parsing: true,
        scales: { x: { type: "category", labels: weeks(d.series), ticks: { maxTicksLimit: 10 } },
                  y: { min: 0, max: 100 } },
        plugins: { legend: { position: "bottom" } } }
    });
  }

  function mood(canvas, d) {
    if (!d.turns.length) { canvas.parentNode.classList.add("empty"); return; }
    new Chart(canvas, {
      type: "line",
      data: { labels: d.turns.map(function (n) { return "turn " + n; }), datasets: [
        { label: "Trust", data: d.trust, borderColor: "#2c9c6a", backgroundColor: "#2c9c6a", yAxisID: "trust" },
        { label: "Patience", data: d.patience, borderColor: "#b9417a", backgroundColor: "#b9417a", yAxisID: "patience" }
      ] },
      options: { maintainAspectRatio: false, animation: false, spanGaps: true,
        scales: { trust: { position: "left", min: 0, max: 100, title: { display: true, text: "trust" } },
                  patience: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                              title: { display: true, text: "patience" } } } }
    });
  }

  function draw() {
    var d = data();
    if (!d || typeof Chart === "undefined") return;
    var el;
    if ((el = document.getElementById("heatmap"))) heatmap(el, d);
    if ((el = document.getElementById("personas"))) personas(el, d);
    if ((el = document.getElementById("progress"))) progress(el, d);
    if ((el = document.getElementById("mood"))) mood(el, d);
    document.body.setAttribute("data-charts", "drawn");
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
