// The canvas's dot grid as a layer that moves, not a pattern painted again.
// React Flow's <Background> moves its pattern's origin on every frame of a pan, which repaints the
// whole pane; a software rasterizer (Chromium without a GPU) spent most of each frame of an empty
// canvas's pan on it (bench/canvas_bench.py). Here the dots are drawn once per zoom on a layer one
// gap larger than the pane on each side, and a pan only translates that layer by the offset modulo
// the gap: the compositor moves it, nothing is painted.
import { useStore, useStoreApi } from "@xyflow/react";
import { useLayoutEffect, useRef } from "react";
import { dotsTransform } from "./lod";

export const DOTS_LAYER = "pw-dots-layer";

export function Dots({ gap = 20, size = 1.2, color = "#cbd5e1" }: { gap?: number; size?: number; color?: string }) {
  const store = useStoreApi();
  const zoom = useStore((s) => s.transform[2]);
  const rfId = useStore((s) => s.rfId);
  const layer = useRef<SVGSVGElement>(null);
  const step = gap * zoom || 1;
  useLayoutEffect(() => {
    let shown = "";
    const apply = () => {
      const [x, y] = store.getState().transform;
      const next = dotsTransform(x, y, step);
      // the store calls back on every change of anything: only a changed offset touches the DOM
      if (next === shown || !layer.current) return;
      layer.current.style.transform = shown = next;
    };
    apply();
    return store.subscribe(apply);
  }, [store, step]);
  const r = (size * zoom) / 2;
  const id = `pw-dots-${rfId}`;
  return (
    <div className="react-flow__background react-flow__container pw-dots" data-testid="rf__background">
      <svg ref={layer} className={DOTS_LAYER} style={{ width: `calc(100% + ${2 * step}px)`, height: `calc(100% + ${2 * step}px)` }}>
        <pattern id={id} width={step} height={step} patternUnits="userSpaceOnUse">
          <circle cx={step / 2} cy={step / 2} r={r} fill={color} />
        </pattern>
        <rect width="100%" height="100%" fill={`url(#${id})`} />
      </svg>
    </div>
  );
}
