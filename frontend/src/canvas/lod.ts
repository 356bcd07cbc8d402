// Level of detail while the view moves. Chromium without a GPU draws every frame of a pan in
// software, and a big canvas's DOM nodes and SVG edges (with the node measuring and mounting
// React Flow does as nodes enter the view) cost it most of each frame (bench/canvas_bench.py).
// So once a pan or zoom of a canvas showing many nodes actually moves, the nodes and edges are
// hidden and one SVG drawing of the graph (each node a plain box, each edge a straight line) moves
// in their place; the nodes come back when the move ends. The switch is a CSS class on the React
// Flow root (see styles.css, `.pw-lod`): nothing is re-rendered by React either way.

/** Fewer nodes than this in the DOM (those in view) pan fine as they are. */
export const LOD_MIN_RENDERED = 80;

/** A node's box in flow coordinates; a frame (an expanded group) is drawn as an outline only. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  frame?: boolean;
}

export interface Link {
  source: string;
  target: string;
}

export interface OverviewPaths {
  nodes: string;
  frames: string;
  edges: string;
}

const r = Math.round;

/** An area in flow coordinates. */
export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

const overlaps = (a: Area, x0: number, y0: number, x1: number, y1: number) =>
  x1 >= a.x && x0 <= a.x + a.width && y1 >= a.y && y0 <= a.y + a.height;

/** SVG path data for the stand-in drawing of what lies in `area` (everything without one): boxes,
 * frames, and a line from each edge's source's bottom middle to its target's top middle (ports are
 * on the top and bottom edges of a node). */
export function overviewPaths(boxes: ReadonlyMap<string, Box>, links: readonly Link[], area?: Area): OverviewPaths {
  const nodes: string[] = [];
  const frames: string[] = [];
  for (const b of boxes.values()) {
    if (area && !overlaps(area, b.x, b.y, b.x + b.width, b.y + b.height)) continue;
    (b.frame ? frames : nodes).push(`M${r(b.x)} ${r(b.y)}h${r(b.width)}v${r(b.height)}h${-r(b.width)}z`);
  }
  const edges: string[] = [];
  for (const l of links) {
    const s = boxes.get(l.source);
    const t = boxes.get(l.target);
    if (!s || !t) continue;
    const [x0, y0, x1, y1] = [s.x + s.width / 2, s.y + s.height, t.x + t.width / 2, t.y];
    if (area && !overlaps(area, Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1))) continue;
    edges.push(`M${r(x0)} ${r(y0)}L${r(x1)} ${r(y1)}`);
  }
  return { nodes: nodes.join(""), frames: frames.join(""), edges: edges.join("") };
}

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/** The flow area a `width` x `height` pane shows at `viewport`, grown by `margin` panes on each side. */
export function viewArea(viewport: Viewport, width: number, height: number, margin = 0): Area {
  const w = width / viewport.zoom;
  const h = height / viewport.zoom;
  return { x: -viewport.x / viewport.zoom - margin * w, y: -viewport.y / viewport.zoom - margin * h, width: w * (1 + 2 * margin), height: h * (1 + 2 * margin) };
}

const inside = (inner: Area, outer: Area) =>
  inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;

/** What the switch reads and writes: the React Flow root, the graph as boxes and links (read only
 * when the stand-in is drawn), and the canvas element the stand-in is drawn on. */
export interface LodTarget {
  root(): HTMLElement | null | undefined;
  boxes(): ReadonlyMap<string, Box>;
  links(): readonly Link[];
  canvas(): HTMLCanvasElement | null | undefined;
}

export const LOD_CLASS = "pw-lod";

/** How many nodes React Flow has in the DOM (those in view: onlyRenderVisibleElements). */
const renderedNodes = (root: HTMLElement) => root.querySelector(".react-flow__nodes")?.childElementCount ?? 0;

/** The stand-in covers the view and one pane's width and height around it. */
const MARGIN = 1;

const COLORS = { frames: ["rgba(148,163,184,.08)", "#94a3b8"], edges: [null, "#94a3b8"], nodes: ["#fff", "#a5b4c8"] } as const;

/** Draws the stand-in of `area` at `zoom` on a canvas laid over that area in flow coordinates.
 * A bitmap: once drawn it only moves with the viewport layer, where an SVG drawing (tried first) was
 * rasterized again, tile by tile, as each part of it came into view. */
export function paintOverview(canvas: HTMLCanvasElement, d: OverviewPaths, area: Area, zoom: number, ratio = 1) {
  const scale = zoom * ratio;
  canvas.width = Math.max(1, Math.ceil(area.width * scale));
  canvas.height = Math.max(1, Math.ceil(area.height * scale));
  Object.assign(canvas.style, { left: `${area.x}px`, top: `${area.y}px`, width: `${area.width}px`, height: `${area.height}px` });
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.setTransform(scale, 0, 0, scale, -area.x * scale, -area.y * scale);
  ctx.lineWidth = 1.25 / zoom; // a hairline at the zoom the drawing is made at
  for (const key of ["frames", "edges", "nodes"] as const) {
    if (!d[key]) continue;
    const path = new Path2D(d[key]);
    const [fill, stroke] = COLORS[key];
    if (fill) {
      ctx.fillStyle = fill;
      ctx.fill(path);
    }
    ctx.strokeStyle = stroke;
    ctx.stroke(path);
  }
}

/** The switch: `move` on each move event (React Flow's onMove), `end` when the move ends.
 * Only a move from the user (an event; not a fitView or a node drag's auto-pan) of a canvas with
 * at least `minRendered` nodes in the DOM turns it on, once per gesture. */
export function moveLod(target: LodTarget, minRendered = LOD_MIN_RENDERED) {
  let decided = false;
  let on = false;
  let covered: Area | null = null;
  let pane = { width: 0, height: 0 }; // read once per gesture: reading it on each frame would force a layout
  let drawnZoom = 1;
  const draw = (viewport: Viewport | undefined) => {
    covered = viewport && pane.width && pane.height ? viewArea(viewport, pane.width, pane.height, MARGIN) : null;
    const canvas = target.canvas();
    if (!covered || !viewport || !canvas) return;
    drawnZoom = viewport.zoom;
    paintOverview(canvas, overviewPaths(target.boxes(), target.links(), covered), covered, viewport.zoom, globalThis.devicePixelRatio || 1);
  };
  return {
    move(event: unknown, viewport?: Viewport) {
      if (!event) return;
      const root = target.root();
      if (!root) return;
      if (on) {
        // drawn again around the view when it leaves the area drawn, or zooms in far enough to blur it
        if (covered && viewport && (!inside(viewArea(viewport, pane.width, pane.height), covered) || viewport.zoom > drawnZoom * 1.5)) draw(viewport);
        return;
      }
      if (decided) return;
      decided = true;
      if (renderedNodes(root) < minRendered || root.querySelector(".react-flow__node.dragging")) return;
      pane = { width: root.clientWidth, height: root.clientHeight };
      draw(viewport);
      root.classList.add(LOD_CLASS);
      on = true;
    },
    end() {
      decided = false;
      if (!on) return;
      on = false;
      target.root()?.classList.remove(LOD_CLASS);
    },
    get active() {
      return on;
    },
  };
}

/** The transform of the dot grid's layer (./Dots.tsx) at a view translated by (x, y): the layer is one
 * `gap` larger than the pane on each side, so moving it by the offset modulo the gap is enough. */
export function dotsTransform(x: number, y: number, gap: number) {
  const mod = (v: number) => ((v % gap) + gap) % gap;
  return `translate(${mod(x) - gap}px,${mod(y) - gap}px)`;
}

export type Lod = ReturnType<typeof moveLod>;

/** What a pan of our own reads and writes: the React Flow root, its viewport, and a way to set it. */
export interface PanTarget {
  root(): HTMLElement | null | undefined;
  viewport(): Viewport;
  setViewport(viewport: Viewport): void;
}

const transformOf = (v: Viewport) => `translate(${v.x}px,${v.y}px) scale(${v.zoom})`;

/** A drag of the pane of a canvas showing at least `minRendered` nodes, panned here rather than by
 * React Flow: each move only writes the transforms of the viewport layer and of the dot grid's layer while the stand-in is shown, and React Flow's viewport is set once when the drag ends.
 * Through React Flow, every frame of a pan also went through its store, and its renderer mounted and
 * measured each node entering the view (hidden as they were); on a slow software rasterizer that
 * was most of the frame (bench/canvas_bench.py, 1,000 nodes against the empty canvas).
 * Returns a capture-phase mousedown handler for the React Flow root: a drag it takes never reaches
 * React Flow's d3-zoom. Drags with a modifier (selection), of another button, or starting on a node,
 * edge or handle are left alone; so is every drag of a smaller canvas. */
export function panLarge(target: PanTarget, lod: Lod, moving: (on: boolean) => void, minRendered = LOD_MIN_RENDERED) {
  return (event: MouseEvent) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    const pane = event.target as Element | null;
    if (!pane?.classList?.contains("react-flow__pane")) return;
    const root = target.root();
    const layer = root?.querySelector<HTMLElement>(".react-flow__viewport");
    if (!root || !layer || renderedNodes(root) < minRendered) return;
    event.stopPropagation();
    const view = event.view ?? window;
    const dots = root.querySelector<SVGElement>(".pw-dots-layer");
    const gap = Number(dots?.querySelector("pattern")?.getAttribute("width")) || 0;
    const from = target.viewport();
    const [x0, y0] = [event.clientX, event.clientY];
    let at = from;
    let moved = false;
    const hold = (e: Event) => e.preventDefault(); // no text selection or native drag meanwhile
    const move = (e: MouseEvent) => {
      if (!(e.buttons & 1)) return finish(); // the button went up where we could not see it
      const [dx, dy] = [e.clientX - x0, e.clientY - y0];
      if (!moved && !dx && !dy) return;
      e.preventDefault();
      at = { x: from.x + dx, y: from.y + dy, zoom: from.zoom };
      if (!moved) {
        moved = true;
        moving(true);
      }
      lod.move(e, at);
      layer.style.transform = transformOf(at);
      if (dots && gap) dots.style.transform = dotsTransform(at.x, at.y, gap);
    };
    const finish = () => {
      view.removeEventListener("mousemove", move);
      view.removeEventListener("mouseup", finish);
      view.removeEventListener("selectstart", hold);
      view.removeEventListener("dragstart", hold);
      if (!moved) return; // a click on the pane: React Flow's own click handling follows
      // the click that ends a drag is not a click on the pane (that would clear the selection)
      const swallow = (c: Event) => {
        c.stopPropagation();
        c.preventDefault();
      };
      view.addEventListener("click", swallow, { capture: true, once: true });
      setTimeout(() => view.removeEventListener("click", swallow, { capture: true }), 0);
      target.setViewport(at);
      moving(false);
      // the nodes come back once React Flow has rendered those now in view
      requestAnimationFrame(() => lod.end());
    };
    view.addEventListener("mousemove", move);
    view.addEventListener("mouseup", finish);
    view.addEventListener("selectstart", hold);
    view.addEventListener("dragstart", hold);
  };
}

/** The part of React Flow's internal node (its nodeLookup) the stand-in needs. */
export interface LookupNode {
  hidden?: boolean;
  type?: string;
  data: unknown;
  measured: { width?: number; height?: number };
  internals: { positionAbsolute: { x: number; y: number } };
}

/** A module node's size before it was ever measured (only nodes that were in view are). */
const DEFAULT_SIZE = { width: 230, height: 76 };

/** Boxes of the shown nodes. Nodes never drawn yet (out of view so far) take the size measured
 * on another node of their type. */
export function boxesOf(lookup: ReadonlyMap<string, LookupNode>): Map<string, Box> {
  const sizes = new Map<string | undefined, { width: number; height: number }>();
  for (const n of lookup.values()) {
    if (n.measured.width && n.measured.height && !sizes.has(n.type)) sizes.set(n.type, { width: n.measured.width, height: n.measured.height });
  }
  const out = new Map<string, Box>();
  for (const [id, n] of lookup) {
    if (n.hidden) continue;
    const size = n.measured.width && n.measured.height ? n.measured : (sizes.get(n.type) ?? DEFAULT_SIZE);
    const frame = n.type === "group" && !(n.data as { collapsed?: boolean } | undefined)?.collapsed;
    const { x, y } = n.internals.positionAbsolute;
    out.set(id, { x, y, width: size.width ?? DEFAULT_SIZE.width, height: size.height ?? DEFAULT_SIZE.height, frame });
  }
  return out;
}
