// The dashboard page: reads the run's updates from /events (server-sent events, one JSON document
// each, carrying the whole history) and redraws every chart from the latest one. Hand-written SVG
// charts, no libraries, so the page works offline. Each chart keeps the number of points (or bars)
// it draws in data-points (data-bars), which the browser test reads.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const PLOT = { left: 56, right: 16, top: 24, bottom: 28 };


function element(name, attributes, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

function text(content, attributes, parent) {
  const node = element("text", attributes, parent);
  node.textContent = content;
  return node;
}

// Empties the chart and returns its drawing size: each chart draws in its own viewBox (the wide
// loss chart is wider), so text keeps one size on screen.
function clear(svg) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  return { WIDTH: svg.viewBox.baseVal.width, HEIGHT: svg.viewBox.baseVal.height };
}

// About five round tick values over [low, high].
function ticks(low, high) {
  const span = high - low || Math.abs(high) || 1;
  const raw = span / 5, power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(m => m * power).find(s => s >= raw);
  const values = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) values.push(+v.toPrecision(12));
  return values;
}

function format(value) {
  const magnitude = Math.abs(value);
  if (magnitude >= 10000) return Math.round(value / 1000) + "k";
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 1) return +value.toFixed(2) + "";
  return +value.toPrecision(3) + "";
}

function empty(svg, message, { WIDTH, HEIGHT }) {
  text(message, { x: WIDTH / 2, y: HEIGHT / 2, "text-anchor": "middle", class: "empty" }, svg);
}

// Series: [{ name, color, points: [[x, y]], dots }]. Axes span the data (y from 0 when asked).
function lineChart(svg, series, options) {
  const box = clear(svg), { WIDTH, HEIGHT } = box;
  const all = series.flatMap(s => s.points);
  svg.dataset.points = all.length;
  if (all.length === 0) return empty(svg, options.waiting, box);
  let [xLow, xHigh] = [Math.min(...all.map(p => p[0])), Math.max(...all.map(p => p[0]))];
  let [yLow, yHigh] = [Math.min(...all.map(p => p[1])), Math.max(...all.map(p => p[1]))];
  if (options.yFromZero) yLow = Math.min(0, yLow);
  if (xHigh === xLow) xHigh = xLow + 1;
  if (yHigh === yLow) {
    // A flat line: open the axis away from a bound it cannot pass (accuracy stops at 1).
    const pad = Math.abs(yHigh) * 0.1 || 1;
    if (options.yMax !== undefined && yHigh >= options.yMax) yLow -= pad; else yHigh += pad;
  }
  if (options.yFromZero) {
    // Up to the next round value, so the top of the axis is labelled.
    const yTicks = ticks(yLow, yHigh);
    if (yTicks.length > 1 && yTicks[yTicks.length - 1] < yHigh) yHigh = yTicks[yTicks.length - 1] + (yTicks[1] - yTicks[0]);
  }
  const x = v => PLOT.left + (v - xLow) / (xHigh - xLow) * (WIDTH - PLOT.left - PLOT.right);
  const y = v => HEIGHT - PLOT.bottom - (v - yLow) / (yHigh - yLow) * (HEIGHT - PLOT.top - PLOT.bottom);
  for (const v of ticks(yLow, yHigh)) {
    element("line", { x1: PLOT.left, x2: WIDTH - PLOT.right, y1: y(v), y2: y(v), class: "grid" }, svg);
    text(options.yFormat ? options.yFormat(v) : format(v), { x: PLOT.left - 6, y: y(v) + 4, "text-anchor": "end" }, svg);
  }
  for (const v of ticks(xLow, xHigh)) {
    text(format(v), { x: x(v), y: HEIGHT - PLOT.bottom + 16, "text-anchor": "middle" }, svg);
  }
  element("line", { x1: PLOT.left, x2: WIDTH - PLOT.right, y1: HEIGHT - PLOT.bottom, y2: HEIGHT - PLOT.bottom, class: "axis" }, svg);
  text(options.xLabel, { x: WIDTH - PLOT.right, y: HEIGHT - 2, "text-anchor": "end" }, svg);
  const legend = element("g", { class: "legend" }, svg);
  let legendX = PLOT.left;
  for (const s of series) {
    if (s.points.length === 0) continue;
    element("polyline", { points: s.points.map(p => x(p[0]) + "," + y(p[1])).join(" "), stroke: s.color, "stroke-width": s.dots ? 2 : 1.5 }, svg);
    if (s.dots) for (const p of s.points) element("circle", { cx: x(p[0]), cy: y(p[1]), r: 3.5, fill: s.color }, svg);
    element("rect", { x: legendX, y: 6, width: 12, height: 4, fill: s.color }, legend);
    legendX += 16 + text(s.name, { x: legendX + 16, y: 12 }, legend).getComputedTextLength() + 14;
  }
}

// Rows: [{ label, parts: [value per segment] }], segments: [{ name, color }]; horizontal stacked bars.
function stackedBars(svg, rows, segments, unit) {
  const box = clear(svg), { WIDTH, HEIGHT } = box;
  svg.dataset.bars = rows.length;
  if (rows.length === 0) return empty(svg, "waiting for the workers' first steps", box);
  const totals = rows.map(r => r.parts.reduce((a, b) => a + b, 0));
  const high = Math.max(...totals, 1e-9);
  const left = 120, right = 70, top = 26, rowHeight = Math.min(28, (HEIGHT - top - 8) / rows.length);
  const scale = v => v / high * (WIDTH - left - right);
  let legendX = left;
  for (const segment of segments) {
    element("rect", { x: legendX, y: 6, width: 12, height: 10, fill: segment.color }, svg);
    legendX += 16 + text(segment.name, { x: legendX + 16, y: 15 }, svg).getComputedTextLength() + 14;
  }
  rows.forEach((row, i) => {
    const rowY = top + i * rowHeight;
    text(row.label, { x: left - 8, y: rowY + rowHeight / 2 + 4, "text-anchor": "end" }, svg);
    let at = left;
    row.parts.forEach((value, s) => {
      const width = scale(value);
      const bar = element("rect", { x: at, y: rowY + 2, width: Math.max(width, 0), height: rowHeight - 4, fill: segments[s].color }, svg);
      element("title", {}, bar).textContent = segments[s].name + ": " + value.toFixed(2) + " " + unit;
      at += width;
    });
    text(totals[i].toFixed(2) + " " + unit, { x: at + 6, y: rowY + rowHeight / 2 + 4 }, svg);
  });
}

// Vertical bars of counts at 0, 1, 2, ...
function histogram(svg, counts, waiting) {
  const box = clear(svg), { WIDTH, HEIGHT } = box;
  svg.dataset.bars = counts ? counts.length : 0;
  if (!counts || counts.length === 0) return empty(svg, waiting, box);
  const high = Math.max(...counts, 1);
  const width = (WIDTH - PLOT.left - PLOT.right) / counts.length;
  const y = v => HEIGHT - PLOT.bottom - v / high * (HEIGHT - PLOT.top - PLOT.bottom);
  for (const v of ticks(0, high)) {
    element("line", { x1: PLOT.left, x2: WIDTH - PLOT.right, y1: y(v), y2: y(v), class: "grid" }, svg);
    text(format(v), { x: PLOT.left - 6, y: y(v) + 4, "text-anchor": "end" }, svg);
  }
  counts.forEach((count, k) => {
    const x = PLOT.left + k * width;
    element("rect", { x: x + width * 0.15, y: y(count), width: width * 0.7, height: y(0) - y(count), fill: "var(--train)" }, svg);
    text(String(k), { x: x + width / 2, y: HEIGHT - PLOT.bottom + 16, "text-anchor": "middle" }, svg);
    text(String(count), { x: x + width / 2, y: y(count) - 4, "text-anchor": "middle" }, svg);
  });
  text("steps behind", { x: WIDTH - PLOT.right, y: HEIGHT - 2, "text-anchor": "end" }, svg);
}

function showMembers(members) {
  const body = document.querySelector("#members tbody");
  body.replaceChildren(...members.map(member => {
    const row = document.createElement("tr");
    row.dataset.address = member.address;
    for (const [content, name] of [[member.address, "address"], [member.roles.join(", "), "roles"], [member.state, "state"]]) {
      const cell = document.createElement("td");
      cell.textContent = content;
      cell.className = name === "state" ? "state state-" + content : name;
      row.appendChild(cell);
    }
    return row;
  }));
}

function showNotices(notices) {
  const list = document.getElementById("notices");
  const items = notices.length ? notices : ["none"];
  list.replaceChildren(...items.map(line => {
    const item = document.createElement("li");
    item.textContent = line;
    if (!notices.length) item.className = "none";
    return item;
  }));
}

function showStatus(state) {
  const status = document.getElementById("status");
  status.textContent = state.status + (state.reason ? ": " + state.reason : "");
  status.className = "status " + state.status;
  status.dataset.status = state.status;
}

function show(state) {
  showStatus(state);
  const last = state.epochs[state.epochs.length - 1];
  const tick = state.ticks[state.ticks.length - 1];
  document.getElementById("step").textContent = state.step + " / " + state.totalSteps;
  document.getElementById("epoch").textContent = Math.min(Math.floor(state.step / state.stepsPerEpoch) + 1, state.epochCount) + " / " + state.epochCount;
  document.getElementById("rate").textContent = tick ? Math.round(tick.samplesPerSecond).toLocaleString("en") : "-";
  document.getElementById("accuracy").textContent = last ? (100 * last.testAccuracy).toFixed(2) + " %" : "-";
  document.getElementById("elapsed").textContent = state.seconds.toFixed(0) + " s";

  lineChart(document.getElementById("loss-chart"), [
    { name: "train loss (last second)", color: "#9db9ef", points: state.ticks.filter(t => t.loss !== null).map(t => [t.epochProgress, t.loss]) },
    { name: "train loss (epoch)", color: "var(--train)", points: state.epochs.map(e => [e.epoch, e.trainLoss]), dots: true },
    { name: "test loss", color: "var(--test)", points: state.epochs.map(e => [e.epoch, e.testLoss]), dots: true },
  ], { xLabel: "epoch", yFromZero: true, waiting: "waiting for the first step" });
  lineChart(document.getElementById("accuracy-chart"), [
    { name: "test accuracy", color: "var(--accuracy)", points: state.epochs.map(e => [e.epoch, e.testAccuracy]), dots: true },
  ], { xLabel: "epoch", yMax: 1, yFormat: v => (100 * v).toFixed(1) + "%", waiting: "waiting for the first epoch" });
  lineChart(document.getElementById("rate-chart"), [
    { name: "samples/s", color: "var(--rate)", points: state.ticks.map(t => [t.seconds, t.samplesPerSecond]) },
  ], { xLabel: "seconds", yFromZero: true, waiting: "waiting for the first step" });
  stackedBars(document.getElementById("workers-chart"),
    state.workers.map(w => ({ label: "worker " + w.worker + (state.members.length > 1 ? " @" + w.node.replace(/^.*@/, "") : ""), parts: [w.computeMs, w.transferMs, w.waitMs] })),
    [{ name: "compute", color: "var(--compute)" }, { name: "transfer", color: "var(--transfer)" }, { name: "wait", color: "var(--wait)" }], "ms");
  histogram(document.getElementById("staleness-chart"), state.staleness, "no shard has applied a step yet");
  showMembers(state.members);
  showNotices(state.notices);
}

function connect() {
  const events = new EventSource("events");
  events.onmessage = message => show(JSON.parse(message.data));
  events.onerror = () => {
    // The browser reconnects on its own while the server is up; a finished run's server going away is expected.
    const status = document.getElementById("status");
    if (status.dataset.status !== "completed" && status.dataset.status !== "failed") {
      status.textContent = "disconnected";
      status.className = "status disconnected";
    }
  };
}

connect();
