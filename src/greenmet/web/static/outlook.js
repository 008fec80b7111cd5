// The outlook page (templates/outlook.html): no inline script, the charts from the JSON API.
(() => {
  const root = document.getElementById("outlook");
  if (!root) return;
  const labels = root.dataset;

  async function getJson(url) {
    const response = await fetch(url, {credentials: "same-origin"});
    const body = await response.json();
    if (!response.ok) throw new Error(body.message + (body.fix ? " — " + body.fix : ""));
    return body;
  }

  function fail(error) {
    const box = document.getElementById("outlook-error");
    box.textContent = String(error.message || error);
    box.hidden = false;
  }

  async function drawProjection() {
    const body = await getJson(labels.projection);
    const traces = Object.entries(body.series).map(([name, values]) => ({
      x: body.years, y: values, name: name, type: "scatter", mode: "lines",
    }));
    Plotly.newPlot("projection-chart", traces, {
      title: {text: `${labels.titleProjection}: ${body.scenario}`},
      yaxis: {title: {text: labels.axisMt}}, legend: {orientation: "h"},
    }, {responsive: true, displaylogo: false});
  }

  async function drawLevers() {
    const body = await getJson(labels.levers);
    const name = labels.language === "zh" ? "name_zh" : "name_en";
    const traces = body.wedges.map((wedge) => ({
      x: body.years, y: wedge.values_mt_co2, name: wedge[name], type: "bar",
    }));
    traces.push({x: body.years, y: body.scenario_co2_mt, name: `${body.scenario} CO2`,
      type: "scatter", mode: "lines", yaxis: "y2"});
    Plotly.newPlot("levers-chart", traces, {
      title: {text: labels.titleLevers}, barmode: "relative",
      yaxis: {title: {text: labels.axisMt}},
      yaxis2: {overlaying: "y", side: "right", title: {text: "Mt CO2"}},
      legend: {orientation: "h"},
    }, {responsive: true, displaylogo: false});
  }

  drawProjection().catch(fail);
  drawLevers().catch(fail);
})();
