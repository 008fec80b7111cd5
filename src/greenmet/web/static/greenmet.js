// greenmet pages: behaviour without inline scripts (the CSP forbids them).
document.addEventListener("DOMContentLoaded", () => {
  const here = window.location.pathname;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.getAttribute("href") === here) link.setAttribute("aria-current", "page");
  }
});
