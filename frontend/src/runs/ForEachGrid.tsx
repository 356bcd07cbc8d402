// A for-each node of a run: a roll-up ("812/1000 ✓, 3 ✗, 4 running") and one small cell per item,
// coloured by status and drawn on a <canvas> (one element however many items), so thousands of
// items and a burst of live events cost one redraw per frame, not a React component per item.
// Clicking a cell (or asking for an item by number) opens that item's step: log, outputs, cache;
// over a sub-pipeline (compiler/subforeach.py) an item is several steps: the cell is their roll-up
// and opening it lists them, each opening like a module item's step.
import { memo, useCallback, useEffect, useRef, useState, type MouseEvent } from "react";
import { errorMessage } from "../api/errors";
import { getForEach, getForEachItem, getForEachItemSteps, type ForEachItem, type StepRun } from "../api/runs";
import { rollUp, type ItemStatus } from "../graph/foreach";
import { RANK, useRunStore } from "../store/runs";
import { StepDetails } from "./StepDetails";

export const CELL = 12;
const GAP = 2;
const PITCH = CELL + GAP;
export const ITEM_COLORS: Record<ItemStatus, string> = {
  pending: "#e2e8f0",
  queued: "#fde68a",
  running: "#3b82f6",
  succeeded: "#22c55e",
  cached: "#86efac",
  failed: "#dc2626",
  skipped: "#94a3b8",
  canceled: "#f97316",
};
const EMPTY: ItemStatus[] = [];

/** The item under a point of the grid (null outside every cell). */
export function itemAt(x: number, y: number, columns: number, total: number): number | null {
  const col = Math.floor(x / PITCH);
  const row = Math.floor(y / PITCH);
  if (col < 0 || col >= columns || row < 0 || x - col * PITCH > CELL || y - row * PITCH > CELL) return null;
  const i = row * columns + col;
  return i < total ? i : null;
}

const ItemCanvas = memo(function ItemCanvas({
  statuses,
  values,
  selected,
  onPick,
}: {
  statuses: readonly ItemStatus[];
  values: readonly string[];
  selected: number | null;
  onPick: (item: number) => void;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(420);
  const [hover, setHover] = useState<number | null>(null);
  const columns = Math.max(1, Math.floor((width + GAP) / PITCH));
  const rows = Math.max(1, Math.ceil(statuses.length / columns));
  useEffect(() => {
    const el = ref.current?.parentElement;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.max(PITCH, Math.floor(entry.contentRect.width))));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext("2d");
    if (!canvas || !ctx) return;
    const ratio = window.devicePixelRatio || 1;
    const w = columns * PITCH;
    const h = rows * PITCH;
    canvas.width = w * ratio;
    canvas.height = h * ratio;
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    statuses.forEach((s, i) => {
      ctx.fillStyle = ITEM_COLORS[s] ?? ITEM_COLORS.pending;
      ctx.fillRect((i % columns) * PITCH, Math.floor(i / columns) * PITCH, CELL, CELL);
    });
    if (selected !== null && selected < statuses.length) {
      ctx.strokeStyle = "#0f172a";
      ctx.lineWidth = 2;
      ctx.strokeRect((selected % columns) * PITCH + 1, Math.floor(selected / columns) * PITCH + 1, CELL - 2, CELL - 2);
    }
  }, [statuses, columns, rows, selected]);
  const point = (e: MouseEvent<HTMLCanvasElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    return itemAt(e.clientX - box.left, e.clientY - box.top, columns, statuses.length);
  };
  const title =
    hover !== null && hover < statuses.length ? `item ${hover}${values[hover] ? ` (${values[hover]})` : ""}: ${statuses[hover]}` : undefined;
  return (
    <div className="foreach-cells">
      <canvas
        ref={ref}
        data-testid="foreach-canvas"
        data-columns={columns}
        role="img"
        aria-label={`${statuses.length} items`}
        title={title}
        onMouseMove={(e) => setHover(point(e))}
        onMouseLeave={() => setHover(null)}
        onClick={(e) => {
          const i = point(e);
          if (i !== null) onPick(i);
        }}
        style={{ cursor: "pointer" }}
      />
    </div>
  );
});

/** Keeps the store's items of a for-each node filled from the server: when first shown and each
 *  time the node's own status moves (live item events do the rest). */
export function useForEachItems(runId: number | null, node: string, status: string | undefined, enabled = true) {
  const has = useRunStore((s) => s.items[node] !== undefined);
  useEffect(() => {
    if (!enabled || runId === null || !status || status === "pending") return;
    let live = true;
    getForEach(runId, node).then(
      (state) => live && useRunStore.getState().loadItems(runId, node, state.statuses),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [runId, node, status, enabled]);
  return has;
}

/** The roll-up of a for-each node's items, for a table cell or a canvas node. */
export const ForEachRollUp = memo(function ForEachRollUp({ runId, node, status }: { runId: number | null; node: string; status: string | undefined }) {
  useForEachItems(runId, node, status);
  const statuses = useRunStore((s) => s.items[node] ?? EMPTY);
  if (!statuses.length) return null;
  return (
    <span className="foreach-rollup" data-testid={`foreach-rollup-${node}`}>
      {rollUp(statuses).text}
    </span>
  );
});

export function ForEachPanel({ runId, step }: { runId: number; step: StepRun }) {
  const node = step.node;
  const statuses = useRunStore((s) => s.items[node] ?? EMPTY);
  const [values, setValues] = useState<string[]>([]);
  const [over, setOver] = useState<string>("");
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [item, setItem] = useState<ForEachItem | null>(null);
  const [asked, setAsked] = useState("");
  // over a sub-pipeline: the inner steps each item runs, the open item's rows and the one shown
  const [inner, setInner] = useState<string[]>([]);
  const [rows, setRows] = useState<ForEachItem[] | null>(null);
  const [shown, setShown] = useState<string | null>(null);

  // the items as the server has them: on opening, and each time the node's own status moves
  useEffect(() => {
    let live = true;
    getForEach(runId, node).then(
      (state) => {
        if (!live) return;
        useRunStore.getState().loadItems(runId, node, state.statuses);
        setValues(state.values);
        setOver(state.over);
        setInner(state.steps ?? []);
      },
      (e: unknown) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [runId, node, step.status]);

  const nested = inner.length > 0;
  const [rowsFor, setRowsFor] = useState<string>("");
  const open = useCallback(
    (i: number) => {
      setSelected(i);
      if (nested) {
        getForEachItemSteps(runId, node, i).then(
          (found) => {
            setRows(found);
            setRowsFor(`${i}:${useRunStore.getState().items[node]?.[i] ?? ""}`);
            setShown((was) => (was && found.some((r) => r.node === was) ? was : (found.find((r) => r.status === "failed")?.node ?? null)));
          },
          (e: unknown) => setError(errorMessage(e)),
        );
      } else getForEachItem(runId, node, i).then(setItem, (e: unknown) => setError(errorMessage(e)));
    },
    [runId, node, nested],
  );
  // the open item's row follows its live status (fetched again when it changes)
  const openStatus = selected !== null ? statuses[selected] : undefined;
  useEffect(() => {
    if (selected !== null && item && openStatus && openStatus !== item.status) open(selected);
  }, [openStatus, selected, item, open]);
  useEffect(() => {
    if (selected !== null && rows && openStatus && rowsFor !== `${selected}:${openStatus}`) open(selected);
  }, [openStatus, selected, rows, rowsFor, open]);
  // ... and its inner steps follow theirs: fetched again when a live event takes one further
  const live = useRunStore((s) => (selected !== null && nested ? s.innerItems[`${node}[${selected}]`] : undefined));
  useEffect(() => {
    if (selected === null || !rows || !live) return;
    if (rows.some((r) => r.item === selected && live[r.step] !== undefined && RANK[live[r.step]] > RANK[r.status])) open(selected);
  }, [live, rows, selected, open]);
  const shownRow = rows?.find((r) => r.node === shown) ?? null;

  const up = rollUp(statuses);
  return (
    <div className="foreach-panel" data-testid="foreach-panel" data-node={node} data-total={up.total} data-done={up.done} data-failed={up.failed}>
      <div className="run-step-head">
        <b>For each</b> <code className="node-id">{node}</code>
        <span className="muted small">
          {over ? `over ${over}` : ""}
          {nested ? ` · a sub-pipeline of ${inner.length} step${inner.length === 1 ? "" : "s"} per item` : ""}
        </span>
        <span data-testid="foreach-rollup">{statuses.length ? up.text : step.status === "pending" ? "not expanded yet" : "no items"}</span>
      </div>
      {error ? <div className="run-error">{error}</div> : null}
      <ItemCanvas statuses={statuses} values={values} selected={selected} onPick={open} />
      <form
        className="foreach-open"
        onSubmit={(e) => {
          e.preventDefault();
          const i = Number(asked);
          if (Number.isInteger(i) && i >= 0 && i < statuses.length) open(i);
        }}
      >
        <label className="muted small">
          Item <input type="number" min={0} max={Math.max(0, statuses.length - 1)} value={asked} onChange={(e) => setAsked(e.target.value)} data-testid="foreach-item-input" />
        </label>
        <button type="submit" className="btn ghost">
          Open
        </button>
        <span className="foreach-legend muted small">
          {(["succeeded", "cached", "running", "queued", "failed", "skipped"] as ItemStatus[]).map((s) => (
            <span key={s}>
              <i style={{ background: ITEM_COLORS[s] }} /> {s}
            </span>
          ))}
        </span>
      </form>
      {item && selected === item.item ? (
        <div data-testid="foreach-item" data-item={item.item}>
          <div className="muted small">
            item {item.item}
            {item.value ? ` · ${item.value}` : ""}
          </div>
          <StepDetails key={`${runId}:${item.node}`} runId={runId} step={item} />
        </div>
      ) : null}
      {nested && rows && selected !== null && rows.every((r) => r.item === selected) ? (
        <div data-testid="foreach-item" data-item={selected}>
          <div className="muted small">
            item {selected}
            {values[selected] ? ` · ${values[selected]}` : ""} · {statuses[selected] ?? ""}
          </div>
          <ul className="foreach-inner" data-testid="foreach-inner-steps">
            {rows.map((r) => (
              <li key={r.node}>
                <button
                  type="button"
                  className={`btn ghost${r.node === shown ? " active" : ""}`}
                  data-testid="foreach-inner-step"
                  data-step={r.step}
                  data-status={r.status}
                  onClick={() => setShown(r.node)}
                >
                  <span className={`pill ${r.status}`}>{r.status}</span> {r.step}
                </button>
              </li>
            ))}
          </ul>
          {shownRow ? <StepDetails key={`${runId}:${shownRow.node}`} runId={runId} step={shownRow} /> : null}
        </div>
      ) : null}
    </div>
  );
}
