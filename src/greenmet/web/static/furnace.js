// The furnace live page (templates/furnace.html): no inline script, all data from the JSON API.
(() => {
  const root = document.getElementById("furnace");
  if (!root) return;
  const api = root.dataset.api;
  const labels = root.dataset;

  function number(value) {
    if (value === null || value === undefined) return "—";
    if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
    return Number(value.toPrecision(4)).toString();
  }

  async function getJson(url) {
    const response = await fetch(url, {credentials: "same-origin"});
    const body = await response.json();
    if (!response.ok) throw new Error(body.message + (body.fix ? " — " + body.fix : ""));
    return body;
  }

  // Live values: a row per key tag, and one appended for each derived (calc_) tag that arrives.
  const live = document.querySelector("#live tbody");
  function showValues(values) {
    for (const [tag, point] of Object.entries(values)) {
      let row = live.querySelector(`tr[data-tag="${CSS.escape(tag)}"]`);
      if (!row) {
        row = document.createElement("tr");
        row.dataset.tag = tag;
        for (const name of ["name", "value", "ts"]) {
          const cell = document.createElement("td");
          cell.className = name;
          row.appendChild(cell);
        }
        row.querySelector(".name").textContent = tag;
        live.appendChild(row);
      }
      row.querySelector(".value").textContent = number(point.value);
      row.querySelector(".ts").textContent = point.ts;
    }
  }

  function startStream() {
    const source = new EventSource(api + "/stream");
    source.addEventListener("values", (event) => {
      const body = JSON.parse(event.data);
      document.getElementById("live-source").textContent = body.source;
      showValues(body.values);
    });
  }

  const plotConfig = {responsive: true, displaylogo: false};

  function drawSnapshot(body) {
    const staves = body.staves;
    if (staves.rows.length) {
      Plotly.react("stave-map", [{
        type: "heatmap", z: staves.temperature_degC, x: staves.staves.map((s) => "S" + s),
        y: staves.rows.map((r) => "R" + r), colorscale: "YlOrRd", colorbar: {title: "°C"},
      }], {xaxis: {title: labels.labelStave}, yaxis: {title: labels.labelStaveRow, autorange: "reversed"},
           margin: {t: 20}}, plotConfig);
    }
    const tuyeres = body.tuyeres;
    if (tuyeres.numbers.length) {
      const theta = tuyeres.numbers.map((n) => (360 * (n - 1)) / tuyeres.numbers.length);
      const traces = [];
      for (const [key, values] of Object.entries(tuyeres)) {
        if (key === "numbers") continue;
        traces.push({type: "barpolar", name: key, r: values, theta: theta,
                     text: tuyeres.numbers.map((n) => labels.labelTuyere + " " + n), opacity: 0.7});
      }
      Plotly.react("tuyere-ring", traces, {polar: {angularaxis: {direction: "clockwise"}}, margin: {t: 20}},
                   plotConfig);
    }
    const arms = Object.entries(body.probe.arms);
    if (arms.length) {
      const traces = arms.map(([arm, series]) => ({
        type: "scatter", mode: "lines+markers", name: arm,
        x: series.positions.concat(body.probe.centre_degC === null ? [] : [Math.max(...series.positions) + 1]),
        y: series.temperature_degC.concat(body.probe.centre_degC === null ? [] : [body.probe.centre_degC]),
      }));
      Plotly.react("probe-profile", traces, {xaxis: {title: labels.labelPosition}, yaxis: {title: "°C"},
                                             margin: {t: 20}}, plotConfig);
    }
    showValues(body.live);
  }

  async function refreshSnapshot() {
    drawSnapshot(await getJson(api + "/snapshot"));
  }

  function isoOf(input) {
    return input.value ? new Date(input.value).toISOString() : "";
  }

  async function drawTrend(event) {
    if (event) event.preventDefault();
    const query = new URLSearchParams({tags: document.getElementById("trend-tags").value});
    const start = isoOf(document.getElementById("trend-start"));
    const end = isoOf(document.getElementById("trend-end"));
    if (start) query.set("start", start);
    if (end) query.set("end", end);
    const error = document.getElementById("trend-error");
    error.textContent = "";
    try {
      const body = await getJson(api + "/trend?" + query);
      const tags = Object.keys(body.series);
      const traces = tags.map((tag, i) => ({
        type: "scatter", mode: "lines", name: tag, x: body.series[tag].ts, y: body.series[tag].value_mean,
        yaxis: i === 0 ? "y" : "y" + (i + 1),
      }));
      const layout = {margin: {t: 20}, xaxis: {rangeslider: {visible: true}}, showlegend: true,
                      grid: {rows: tags.length, columns: 1, pattern: "independent"}, height: 160 * tags.length + 120};
      Plotly.react("trend-chart", traces, layout, plotConfig);
    } catch (failure) {
      error.textContent = failure.message;
    }
  }

  async function drawSheet(event) {
    if (event) event.preventDefault();
    const at = isoOf(document.getElementById("sheet-at"));
    const body = await getJson(api + "/calculation-sheet" + (at ? "?at=" + encodeURIComponent(at) : ""));
    const rows = document.querySelector("#sheet tbody");
    rows.replaceChildren();
    const language = labels.language;
    for (const item of body.items) {
      const row = document.createElement("tr");
      const description = (language === "zh" ? item.description_zh : item.description_en) || item.tag;
      for (const text of [description, number(item.value), item.unit || "", item.ts, item.formula || ""]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.appendChild(cell);
      }
      row.title = item.tag + (item.provisional ? " (provisional)" : "");
      rows.appendChild(row);
    }
  }

  async function drawWhatIf(event) {
    if (event) event.preventDefault();
    const form = document.getElementById("what-if-form");
    const query = new URLSearchParams();
    for (const input of form.querySelectorAll("input")) if (input.value !== "") query.set(input.name, input.value);
    const error = document.getElementById("what-if-error");
    error.textContent = "";
    try {
      const body = await getJson("/api/bf/what-if?" + query);
      const rows = document.querySelector("#what-if tbody");
      rows.replaceChildren();
      for (const item of body.items) {
        const row = document.createElement("tr");
        for (const text of [item.variable, number(item.step), item.unit, number(item.coke_rate_change_kg_per_thm)]) {
          const cell = document.createElement("td");
          cell.textContent = text;
          row.appendChild(cell);
        }
        rows.appendChild(row);
      }
    } catch (failure) {
      error.textContent = failure.message;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    startStream();
    refreshSnapshot().catch(() => {});
    setInterval(() => refreshSnapshot().catch(() => {}), 60000);
    drawTrend().catch(() => {});
    drawSheet().catch(() => {});
    drawWhatIf().catch(() => {});
    document.getElementById("trend-form").addEventListener("submit", drawTrend);
    document.getElementById("sheet-form").addEventListener("submit", (e) => drawSheet(e).catch(() => {}));
    document.getElementById("what-if-form").addEventListener("submit", drawWhatIf);
  });
})();
