// The network diagram: zoom and pan by changing the SVG's viewBox. Without this script the
// whole diagram fits the page's width; with it, it fits the window and the buttons, the
// wheel, a drag and the arrow, + and − keys move and zoom.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("diagram");
  const svg = box && box.querySelector("svg");
  const tools = document.querySelector(".diagram-tools");
  if (!svg || !tools) return;
  const full = svg.viewBox.baseVal;
  const home = { x: full.x, y: full.y, w: full.width, h: full.height };
  let v = { ...home };
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  box.classList.add("zoomable");
  box.tabIndex = 0;
  tools.hidden = false;
  const show = () => svg.setAttribute("viewBox", [v.x, v.y, v.w, v.h].join(" "));
  // zoom scales the view by f around the point (px, py) in diagram units.
  const zoom = (f, px = v.x + v.w / 2, py = v.y + v.h / 2) => {
    const w = Math.min(home.w * 4, Math.max(home.w / 40, v.w * f));
    const k = w / v.w;
    v = { x: px - (px - v.x) * k, y: py - (py - v.y) * k, w, h: v.h * k };
    show();
  };
  // toDiagram converts a point on the screen to diagram units.
  const toDiagram = (cx, cy) => {
    const p = new DOMPoint(cx, cy).matrixTransform(svg.getScreenCTM().inverse());
    return [p.x, p.y];
  };
  tools.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-zoom]");
    if (!b) return;
    if (b.dataset.zoom === "in") zoom(1 / 1.25);
    else if (b.dataset.zoom === "out") zoom(1.25);
    else { v = { ...home }; show(); }
  });
  box.addEventListener("wheel", (e) => {
    e.preventDefault();
    zoom(e.deltaY < 0 ? 1 / 1.15 : 1.15, ...toDiagram(e.clientX, e.clientY));
  }, { passive: false });
  let drag = null;
  box.addEventListener("pointerdown", (e) => {
    if (e.button !== 0 || e.target.closest("a")) return;
    drag = { p: toDiagram(e.clientX, e.clientY) };
    box.setPointerCapture(e.pointerId);
  });
  box.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const [x, y] = toDiagram(e.clientX, e.clientY);
    v.x -= x - drag.p[0];
    v.y -= y - drag.p[1];
    show();
  });
  box.addEventListener("pointerup", () => { drag = null; });
  box.addEventListener("keydown", (e) => {
    const step = v.w / 10;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[e.key]) { v.x += moves[e.key][0]; v.y += moves[e.key][1]; show(); }
    else if (e.key === "+" || e.key === "=") zoom(1 / 1.25);
    else if (e.key === "-") zoom(1.25);
    else if (e.key === "0") { v = { ...home }; show(); }
    else return;
    e.preventDefault();
  });
});
