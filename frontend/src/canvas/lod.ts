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
 * when the stand-in is drawn), and the stand-in's three paths. */
export interface LodTarget {
  root(): HTMLElement | null | undefined;
  boxes(): ReadonlyMap<string, Box>;
  links(): readonly Link[];
  paths(): Partial<Record<keyof OverviewPaths, SVGPathElement | null>>;
}

export const LOD_CLASS = "pw-lod";

/** The stand-in covers the view and one pane's width and height around it: a software rasterizer
 * walks a whole path on every frame, so 5,000 boxes drawn as one path would cost more than they save.
 * A move that leaves the covered area draws it again around the new view. */
const MARGIN = 1;

/** The switch: `move` on each move event (React Flow's onMove), `end` when the move ends.
 * Only a move from the user (an event; not a fitView or a node drag's auto-pan) of a canvas with
 * at least `minRendered` nodes in the DOM turns it on, once per gesture. */
export function moveLod(target: LodTarget, minRendered = LOD_MIN_RENDERED) {
  let decided = false;
  let on = false;
  let covered: Area | null = null;
  let pane = { width: 0, height: 0 }; // read once per gesture: reading it on each frame would force a layout
  const draw = (viewport: Viewport | undefined) => {
    covered = viewport && pane.width && pane.height ? viewArea(viewport, pane.width, pane.height, MARGIN) : null;
    const d = overviewPaths(target.boxes(), target.links(), covered ?? undefined);
    const paths = target.paths();
    for (const key of ["nodes", "frames", "edges"] as const) paths[key]?.setAttribute("d", d[key]);
    // a hairline at the zoom the move started at
    const width = String(viewport ? 1.25 / viewport.zoom : 1);
    for (const key of ["nodes", "frames", "edges"] as const) paths[key]?.setAttribute("stroke-width", width);
  };
  return {
    move(event: unknown, viewport?: Viewport) {
      if (!event) return;
      const root = target.root();
      if (!root) return;
      if (on) {
        if (covered && viewport && !inside(viewArea(viewport, pane.width, pane.height), covered)) draw(viewport);
        return;
      }
      if (decided) return;
      decided = true;
      const rendered = root.querySelector(".react-flow__nodes")?.childElementCount ?? 0;
      if (rendered < minRendered || root.querySelector(".react-flow__node.dragging")) return;
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
