// Small SVG charts for the console: no library, no build step. Values are display numbers
// (amounts are parsed from the API's decimal strings for drawing only).
"use strict";
window.AgoraCharts = (function () {
  const NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#2f6fde", "#27ae60", "#e67e22", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d"];

  function el(name, attrs, text) {
    const node = document.createElementNS(NS, name);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function prepare(svg) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const width = svg.clientWidth || 600, height = svg.clientHeight || 220;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    return { width, height };
  }

  function empty(svg, message) {
    const { width, height } = prepare(svg);
    svg.appendChild(el("text", { x: width / 2, y: height / 2, "text-anchor": "middle" }, message));
    svg.dataset.drawn = "0";
  }

  function compact(value) {
    const abs = Math.abs(value);
    if (abs >= 1e6) return (value / 1e6).toFixed(1) + "M";
    if (abs >= 1e3) return (value / 1e3).toFixed(1) + "k";
    return value.toFixed(abs < 10 && value % 1 ? 2 : 0);
  }

  // Horizontal bars: items [{label, value, text}], one bar each.
  function bars(svg, items, options) {
    if (!items.length || items.every((i) => i.value === 0)) return empty(svg, (options || {}).emptyText || "nothing yet");
    const { width, height } = prepare(svg);
    const left = 110, right = 170, row = Math.min(28, (height - 10) / items.length);
    const max = Math.max(...items.map((i) => i.value), 1);
    items.forEach((item, index) => {
      const y = 5 + index * row, length = ((width - left - right) * item.value) / max;
      svg.appendChild(el("text", { x: left - 6, y: y + row * 0.62, "text-anchor": "end" }, item.label));
      svg.appendChild(el("rect", { x: left, y: y + 3, width: Math.max(length, 1), height: row - 8,
        fill: item.color || PALETTE[index % PALETTE.length], class: "bar" }));
      svg.appendChild(el("text", { x: left + length + 6, y: y + row * 0.62, class: "value" }, item.text));
    });
    svg.dataset.drawn = String(items.length);
  }

  // Stacked columns: labels (x axis), series [{name, values}] stacked per label, with a legend.
  function stackedColumns(svg, labels, series, options) {
    const totals = labels.map((_, i) => series.reduce((sum, s) => sum + s.values[i], 0));
    if (!labels.length || totals.every((t) => t === 0)) return empty(svg, (options || {}).emptyText || "nothing yet");
    const { width, height } = prepare(svg);
    const left = 48, bottom = 34, top = 22, plot = height - bottom - top;
    const max = Math.max(...totals, 1), step = (width - left - 8) / labels.length;
    for (const fraction of [0, 0.5, 1]) {
      const y = top + plot * (1 - fraction);
      svg.appendChild(el("line", { x1: left, x2: width - 8, y1: y, y2: y, stroke: "#dde3ea" }));
      svg.appendChild(el("text", { x: left - 4, y: y + 4, "text-anchor": "end" }, compact(max * fraction)));
    }
    labels.forEach((label, i) => {
      let base = top + plot;
      series.forEach((s, k) => {
        const h = (plot * s.values[i]) / max;
        if (h > 0) {
          base -= h;
          const rect = el("rect", { x: left + i * step + 1, y: base, width: Math.max(step - 2, 1), height: h,
            fill: PALETTE[k % PALETTE.length], class: "bar" });
          rect.appendChild(el("title", {}, `${label} ${s.name}: ${s.values[i]}`));
          svg.appendChild(rect);
        }
      });
      const every = Math.ceil(labels.length / 10);
      if (i % every === 0) {
        svg.appendChild(el("text", { x: left + i * step + step / 2, y: height - bottom + 14, "text-anchor": "middle" }, label));
      }
    });
    const legend = el("g", { class: "legend" });
    let x = left;
    series.forEach((s, k) => {
      legend.appendChild(el("rect", { x, y: 4, width: 10, height: 10, fill: PALETTE[k % PALETTE.length] }));
      legend.appendChild(el("text", { x: x + 14, y: 13 }, s.name));
      x += 24 + s.name.length * 7;
    });
    svg.appendChild(legend);
    svg.dataset.drawn = String(labels.length);
  }

  return { bars, stackedColumns, empty, compact, PALETTE };
})();
