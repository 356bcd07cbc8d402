import { describe, expect, it, vi } from "vitest";
import { boxesOf, dotsTransform, LOD_CLASS, moveLod, overviewPaths, panLarge, viewArea, type Box, type LookupNode, type Viewport } from "./lod";

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

// a 2D context that records what is filled and stroked (jsdom draws nothing)
class FakePath2D {
  constructor(readonly d: string) {}
}
function fakeCanvas() {
  const canvas = document.createElement("canvas");
  const drawn: string[] = [];
  const ctx = {
    setTransform: (...m: number[]) => drawn.push(`transform ${m.join(" ")}`),
    fill: (p: FakePath2D) => drawn.push(`fill ${p.d}`),
    stroke: (p: FakePath2D) => drawn.push(`stroke ${p.d}`),
    lineWidth: 0,
    fillStyle: "",
    strokeStyle: "",
  };
  canvas.getContext = (() => ctx) as unknown as HTMLCanvasElement["getContext"];
  return { canvas, drawn };
}
vi.stubGlobal("Path2D", FakePath2D);

describe("moveLod", () => {
  function canvas(rendered: number) {
    const root = document.createElement("div");
    Object.defineProperty(root, "clientWidth", { value: 400 });
    Object.defineProperty(root, "clientHeight", { value: 200 });
    const nodes = document.createElement("div");
    nodes.className = "react-flow__nodes";
    for (let i = 0; i < rendered; i++) nodes.appendChild(document.createElement("div")).className = "react-flow__node";
    root.appendChild(nodes);
    const stand = fakeCanvas();
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
        canvas: () => stand.canvas,
      },
      3,
    );
    return { root, nodes, stand, lod, reads: () => reads };
  }
  const event = new MouseEvent("mousemove");
  const vp = { x: 0, y: 0, zoom: 1 };

  it("turns on at the first user move of a canvas with many nodes shown, once, and off at the end", () => {
    const c = canvas(3);
    c.lod.move(null, vp); // a fitView, not the user
    expect(c.root.classList.contains(LOD_CLASS)).toBe(false);
    c.lod.move(event, vp);
    expect(c.root.classList.contains(LOD_CLASS)).toBe(true);
    // a bitmap of the view and one pane around it, laid over that area in flow coordinates
    expect([c.stand.canvas.width, c.stand.canvas.height]).toEqual([1200, 600]);
    expect(c.stand.canvas.style.left).toBe("-400px");
    expect(c.stand.canvas.style.width).toBe("1200px");
    expect(c.stand.drawn).toEqual([
      "transform 1 0 0 1 400 200",
      "stroke M50 50L50 100",
      "fill M0 0h100v50h-100zM0 100h100v50h-100z",
      "stroke M0 0h100v50h-100zM0 100h100v50h-100z",
    ]);
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
    c.lod.move(event, vp);
    c.lod.move(event, { x: -300, y: 0, zoom: 1 }); // still within one pane of the start
    expect(c.reads()).toBe(1);
    c.lod.move(event, { x: -900, y: 0, zoom: 1 });
    expect(c.reads()).toBe(2);
    c.lod.move(event, { x: -900, y: 0, zoom: 1.4 }); // zoomed in a little: the drawing still serves
    expect(c.reads()).toBe(2);
    c.lod.move(event, { x: -900, y: 0, zoom: 1.6 }); // further: drawn again, sharp
    expect(c.reads()).toBe(3);
    expect(c.stand.canvas.width).toBe(Math.ceil((1200 / 1.6) * 1.6));
  });
});

describe("panLarge", () => {
  // a React Flow root as panLarge reads it: the pane, the viewport layer with the nodes in view, the dots
  function flow(rendered: number) {
    const root = document.body.appendChild(document.createElement("div"));
    const pane = root.appendChild(document.createElement("div"));
    pane.className = "react-flow__pane";
    const layer = pane.appendChild(document.createElement("div"));
    layer.className = "react-flow__viewport";
    layer.style.transform = "translate(10px,20px) scale(0.5)";
    const nodes = layer.appendChild(document.createElement("div"));
    nodes.className = "react-flow__nodes";
    for (let i = 0; i < rendered; i++) nodes.appendChild(document.createElement("div")).className = "react-flow__node";
    const dots = root.appendChild(document.createElementNS("http://www.w3.org/2000/svg", "svg"));
    dots.classList.add("pw-dots-layer");
    dots.appendChild(document.createElementNS("http://www.w3.org/2000/svg", "pattern")).setAttribute("width", "10");
    const set: Viewport[] = [];
    const moving: boolean[] = [];
    const lod = moveLod({ root: () => root, boxes: () => new Map([["a", box(0, 0)]]), links: () => [], canvas: () => fakeCanvas().canvas }, 3);
    const onDown = panLarge({ root: () => root, viewport: () => ({ x: 10, y: 20, zoom: 0.5 }), setViewport: (v) => set.push(v) }, lod, (on) => moving.push(on), 3);
    root.addEventListener("mousedown", onDown, { capture: true });
    // what React Flow's d3-zoom would see: a listener below the root
    const seen: string[] = [];
    pane.addEventListener("mousedown", () => seen.push("mousedown"));
    pane.addEventListener("click", () => seen.push("click"));
    return { root, pane, layer, dots, set, moving, seen, lod };
  }
  const mouse = (type: string, x: number, y: number, extra: MouseEventInit = {}) =>
    new MouseEvent(type, { bubbles: true, cancelable: true, clientX: x, clientY: y, button: 0, buttons: type === "mouseup" ? 0 : 1, ...extra });

  it("pans a big canvas itself: the layer and the dots move, the stand-in shows, the viewport is set once at the end", () => {
    const f = flow(3);
    f.pane.dispatchEvent(mouse("mousedown", 100, 100));
    expect(f.seen).toEqual([]); // React Flow never saw the drag
    window.dispatchEvent(mouse("mousemove", 130, 95));
    expect(f.layer.style.transform).toBe("translate(40px,15px) scale(0.5)");
    expect(f.dots.style.transform).toBe("translate(-10px,-5px)"); // (40, 15) modulo the 10 px gap, less one gap
    expect(f.root.classList.contains(LOD_CLASS)).toBe(true);
    window.dispatchEvent(mouse("mousemove", 137, 100));
    expect(f.set).toEqual([]);
    window.dispatchEvent(mouse("mouseup", 137, 100));
    f.pane.dispatchEvent(mouse("click", 137, 100));
    expect(f.set).toEqual([{ x: 47, y: 20, zoom: 0.5 }]);
    expect(f.moving).toEqual([true, false]);
    expect(f.seen).toEqual([]); // the click ending the drag does not clear the selection
    window.dispatchEvent(mouse("mousemove", 300, 300));
    expect(f.set.length).toBe(1); // the drag is over
  });

  it("leaves a click, a small canvas, a drag with a modifier and a drag from a node to React Flow", () => {
    const click = flow(3);
    click.pane.dispatchEvent(mouse("mousedown", 5, 5));
    window.dispatchEvent(mouse("mouseup", 5, 5));
    click.pane.dispatchEvent(mouse("click", 5, 5));
    expect(click.seen).toEqual(["click"]);
    expect(click.set).toEqual([]);

    const small = flow(2);
    small.pane.dispatchEvent(mouse("mousedown", 5, 5));
    expect(small.seen).toEqual(["mousedown"]);

    const shift = flow(3);
    shift.pane.dispatchEvent(mouse("mousedown", 5, 5, { shiftKey: true }));
    expect(shift.seen).toEqual(["mousedown"]);

    const node = flow(3);
    const onNode = node.root.querySelector(".react-flow__node") as HTMLElement;
    const seen: string[] = [];
    onNode.addEventListener("mousedown", () => seen.push("node"));
    onNode.dispatchEvent(mouse("mousedown", 5, 5));
    expect(seen).toEqual(["node"]);
  });

  it("ends a drag whose button went up unseen", () => {
    const f = flow(3);
    f.pane.dispatchEvent(mouse("mousedown", 0, 0));
    window.dispatchEvent(mouse("mousemove", 4, 0));
    window.dispatchEvent(mouse("mousemove", 9, 0, { buttons: 0 }));
    expect(f.set).toEqual([{ x: 14, y: 20, zoom: 0.5 }]);
  });
});

describe("dotsTransform", () => {
  it("moves the dot layer by the view's offset modulo the gap, less one gap, negative offsets included", () => {
    expect(dotsTransform(0, 0, 20)).toBe("translate(-20px,-20px)");
    expect(dotsTransform(45, -5, 20)).toBe("translate(-15px,-5px)");
  });
});
