// Prioritisation rounds, progressive enhancement (every page works without it):
// - a ballot with a points budget shows the running total of points given;
// - the results of a multi-criteria round re-rank as the reader changes the weights,
//   with the same arithmetic as the server (score = 100 * sum(w * c) / sum(w); the
//   90% interval from the covariance of the voted criteria; breadth adds none).
(function () {
  "use strict";

  function pointsTotal(form) {
    var budget = parseInt(form.getAttribute("data-budget"), 10);
    var inputs = form.querySelectorAll(".points-input");
    var output = document.getElementById("points-total");
    if (!output) return;
    output.parentElement.hidden = false;
    function update() {
      var total = 0;
      inputs.forEach(function (input) {
        var value = parseInt(input.value, 10);
        if (!isNaN(value) && value > 0) total += value;
      });
      output.textContent = String(total);
      output.parentElement.classList.toggle("over-budget", total > budget);
    }
    inputs.forEach(function (input) { input.addEventListener("input", update); });
    update();
  }

  var Z90 = 1.6448536269514722;
  var VOTED = ["impact", "urgency", "feasibility"];
  var ALL = ["impact", "urgency", "feasibility", "breadth"];

  function rerank(form, table) {
    var inputs = form.querySelectorAll("[data-weight]");
    var body = table.tBodies[0];
    var scale = parseFloat(table.getAttribute("data-scale")) || 100;
    function at(value) { return Math.max(0, Math.min(100, 100 * value / scale)); }
    function update() {
      var weights = {};
      var total = 0;
      inputs.forEach(function (input) {
        var value = parseFloat(input.value);
        weights[input.getAttribute("data-weight")] = !isNaN(value) && value > 0 ? value : 0;
      });
      ALL.forEach(function (name) { total += weights[name] || 0; });
      if (total <= 0) return;
      var rows = Array.prototype.slice.call(body.rows);
      rows.forEach(function (row, index) {
        var score = 0;
        ALL.forEach(function (name) {
          score += (weights[name] || 0) * parseFloat(row.getAttribute("data-" + name) || "0");
        });
        score /= total;
        var low = 0, high = 1;
        var cov = (row.getAttribute("data-cov") || "").split(" ").filter(Boolean).map(parseFloat);
        if (cov.length === 9) {
          var variance = 0;
          for (var a = 0; a < 3; a++) {
            for (var b = 0; b < 3; b++) {
              variance += (weights[VOTED[a]] / total) * (weights[VOTED[b]] / total) * cov[3 * a + b];
            }
          }
          var spread = Z90 * Math.sqrt(Math.max(variance, 0));
          low = Math.max(0, score - spread);
          high = Math.min(1, score + spread);
        }
        row._score = 100 * score;
        row._index = index;
        row.querySelector(".score").textContent = (100 * score).toFixed(1);
        row.querySelector(".interval-text").textContent =
          (100 * low).toFixed(1) + "\u2013" + (100 * high).toFixed(1);
        var range = row.querySelector(".interval-range");
        var mark = row.querySelector(".interval-mark");
        range.setAttribute("x", at(100 * low).toFixed(2));
        range.setAttribute("width", Math.max(0.5, at(100 * high) - at(100 * low)).toFixed(2));
        mark.setAttribute("x", Math.min(98.5, at(100 * score)).toFixed(2));
      });
      rows.sort(function (x, y) { return y._score - x._score || x._index - y._index; });
      rows.forEach(function (row, index) {
        row.querySelector(".rank").textContent = String(index + 1);
        body.appendChild(row);
      });
    }
    inputs.forEach(function (input) { input.addEventListener("input", update); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-budget]").forEach(pointsTotal);
    var form = document.getElementById("weights-form");
    var table = document.getElementById("results");
    if (form && table) rerank(form, table);
  });
})();
