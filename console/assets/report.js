// Draws the journey page's daily series with uPlot, from the JSON the server
// embedded in the page (the table below the chart holds the same numbers).
(function () {
  "use strict";
  var data = document.getElementById("daily-data");
  var el = document.getElementById("daily-chart");
  if (!data || !el || typeof uPlot === "undefined") return;
  var days = JSON.parse(data.textContent || "[]") || [];
  if (days.length === 0) { el.textContent = "No daily data yet."; return; }
  var x = [], entered = [], sent = [], converted = [];
  days.forEach(function (d) {
    x.push(Date.parse(d.day + "T00:00:00Z") / 1000);
    entered.push(d.entered); sent.push(d.sent); converted.push(d.converted);
  });
  new uPlot({
    width: Math.max(320, Math.min(1100, el.clientWidth || 900)),
    height: 260,
    tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
    // a fixed range, half a day either side: uPlot stretches a single day
    // over years when it ranges the axis itself
    scales: { x: { time: true, auto: false, range: [x[0] - 43200, x[x.length - 1] + 43200] } },
    series: [
      {},
      { label: "Entered", stroke: "#2f6fde", width: 2 },
      { label: "Sent", stroke: "#c77700", width: 2 },
      { label: "Converted", stroke: "#1f8a4c", width: 2 }
    ],
    axes: [{}, { label: "per day" }]
  }, [x, entered, sent, converted], el);
})();
