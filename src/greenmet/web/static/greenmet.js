// greenmet pages: behaviour without inline scripts (the CSP forbids them).
document.addEventListener("DOMContentLoaded", () => {
  const here = window.location.pathname;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.getAttribute("href") === here) link.setAttribute("aria-current", "page");
  }
});

// Latest values of the overview: refreshed every 5 s from the JSON API (same origin, the session cookie).
function formatNumber(value) {
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  return Number(value.toPrecision(4)).toString();
}

async function refreshLatest(table) {
  const response = await fetch(table.dataset.latestUrl, {credentials: "same-origin"});
  if (!response.ok) return;
  const body = await response.json();
  for (const row of table.querySelectorAll("tr[data-tag]")) {
    const latest = body.values[row.dataset.tag];
    if (!latest) continue;
    row.querySelector(".value").textContent = formatNumber(latest.value);
    row.querySelector(".ts").textContent = latest.ts;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("table[data-latest-url]")) {
    setInterval(() => refreshLatest(table).catch(() => {}), 5000);
  }
});
