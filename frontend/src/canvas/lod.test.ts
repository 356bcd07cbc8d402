import { describe, expect, it } from "vitest";
import { boxesOf, LOD_CLASS, moveLod, overviewPaths, viewArea, type Box, type LookupNode } from "./lod";

const box = (x: number, y: number, extra: Partial<Box> = {}): Box => ({ x, y, width: 100, height: 50, ...extra });

describe("overviewPaths", () => {
  it("draws boxes, frames and edges from a source's bottom middle to a target's top middle", () => {
    const boxes = new Map([
      ["a", box(0, 0)],
      ["b", box(0, 100)],
      ["g", box(-10, -10, { width: 200, height: 300, frame: true })],
    ]);
    const d = overviewPaths(boxes, [
      { source: "a", target: "b" },
      { source: "a", target: "gone" },
    ]);
    expect(d.nodes).toBe("M0 0h100v50h-100zM0 100h100v50h-100z");
    expect(d.frames).toBe("M-10 -10h200v300h-200z");
    expect(d.edges).toBe("M50 50L50 100");
  });

  it("leaves out what lies outside the area, but keeps an edge crossing it", () => {
    const boxes = new Map([
      ["a", box(0, 0)],
      ["far", box(5000, 0)],
      ["farther", box(5000, 3000)],
      ["left", box(-3000, 1000)],
    ]);
    const d = overviewPaths(
      boxes,
      [
        { source: "far", target: "farther" },
        { source: "left", target: "far" },
      ],
      { x: -100, y: -100, width: 400, height: 1200 },
    );
    expect(d.nodes).toBe("M0 0h100v50h-100z");
    expect(d.edges).toBe("M-2950 1050L5050 0");
  });
});

describe("viewArea", () => {
  it("is the flow area the pane shows, grown by whole panes", () => {
    expect(viewArea({ x: -100, y: 50, zoom: 0.5 }, 400, 200)).toEqual({ x: 200, y: -100, width: 800, height: 400 });
    expect(viewArea({ x: 0, y: 0, zoom: 1 }, 400, 200, 1)).toEqual({ x: -400, y: -200, width: 1200, height: 600 });
  });
});

describe("boxesOf", () => {
  const node = (x: number, y: number, extra: Partial<LookupNode> = {}): LookupNode => ({
    type: "module",
    data: {},
    measured: {},
    internals: { positionAbsolute: { x, y } },
    ...extra,
  });

  it("gives nodes never measured the size measured on another of their type, and skips hidden ones", () => {
    const lookup = new Map<string, LookupNode>([
      ["n1", node(0, 0)],
      ["n2", node(300, 0, { measured: { width: 230, height: 90 } })],
      ["h", node(0, 0, { hidden: true })],
      ["g", node(-20, -40, { type: "group", data: { collapsed: false }, measured: { width: 600, height: 400 } })],
      ["c", node(900, 0, { type: "group", data: { collapsed: true }, measured: { width: 240, height: 70 } })],
      ["d", node(0, 500, { type: "dataset" })],
    ]);
    const boxes = boxesOf(lookup);
    expect(boxes.get("n1")).toEqual({ x: 0, y: 0, width: 230, height: 90, frame: false });
    expect(boxes.has("h")).toBe(false);
    expect(boxes.get("g")?.frame).toBe(true);
    expect(boxes.get("c")?.frame).toBe(false);
    expect(boxes.get("d")).toMatchObject({ width: 230, height: 76 });
  });
});

describe("moveLod", () => {
  function canvas(rendered: number) {
    const root = document.createElement("div");
    const nodes = document.createElement("div");
    nodes.className = "react-flow__nodes";
    for (let i = 0; i < rendered; i++) nodes.appendChild(document.createElement("div")).className = "react-flow__node";
    root.appendChild(nodes);
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    const paths = {
      nodes: svg.appendChild(document.createElementNS("http://www.w3.org/2000/svg", "path")),
      frames: svg.appendChild(document.createElementNS("http://www.w3.org/2000/svg", "path")),
      edges: svg.appendChild(document.createElementNS("http://www.w3.org/2000/svg", "path")),
    };
    let reads = 0;
    const lod = moveLod(
      {
        root: () => root,
        boxes: () => {
          reads += 1;
          return new Map([
            ["a", box(0, 0)],
            ["b", box(0, 100)],
          ]);
        },
        links: () => [{ source: "a", target: "b" }],
        paths: () => paths,
      },
      3,
    );
    return { root, nodes, paths, lod, reads: () => reads };
  }
  const event = new MouseEvent("mousemove");
  const vp = { x: 0, y: 0, zoom: 1 };

  it("turns on at the first user move of a canvas with many nodes shown, once, and off at the end", () => {
    const c = canvas(3);
    c.lod.move(null, vp); // a fitView, not the user
    expect(c.root.classList.contains(LOD_CLASS)).toBe(false);
    c.lod.move(event, vp);
    expect(c.root.classList.contains(LOD_CLASS)).toBe(true);
    expect(c.paths.nodes.getAttribute("d")).toBe("M0 0h100v50h-100zM0 100h100v50h-100z");
    expect(c.paths.edges.getAttribute("d")).toBe("M50 50L50 100");
    c.lod.move(event, vp);
    expect(c.reads()).toBe(1); // the graph is read once per gesture, not per frame
    c.lod.end();
    expect(c.root.classList.contains(LOD_CLASS)).toBe(false);
    expect(c.lod.active).toBe(false);
    c.lod.move(event, vp);
    expect(c.lod.active).toBe(true);
  });

  it("stays off for a canvas with few nodes shown and while a node is dragged", () => {
    const few = canvas(2);
    few.lod.move(event, vp);
    few.lod.move(event, vp);
    expect(few.root.classList.contains(LOD_CLASS)).toBe(false);
    expect(few.reads()).toBe(0);
    const dragging = canvas(4);
    dragging.nodes.firstElementChild?.classList.add("dragging");
    dragging.lod.move(event, vp);
    expect(dragging.lod.active).toBe(false);
    few.lod.end(); // ending a gesture that never turned it on is harmless
    expect(few.root.classList.contains(LOD_CLASS)).toBe(false);
  });

  it("draws again when the view leaves the area drawn", () => {
    const c = canvas(3);
    Object.defineProperty(c.root, "clientWidth", { value: 400 });
    Object.defineProperty(c.root, "clientHeight", { value: 200 });
    c.lod.move(event, vp);
    c.lod.move(event, { x: -300, y: 0, zoom: 1 }); // still within one pane of the start
    expect(c.reads()).toBe(1);
    c.lod.move(event, { x: -900, y: 0, zoom: 1 });
    expect(c.reads()).toBe(2);
  });
});
