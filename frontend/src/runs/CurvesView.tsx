// Evaluate Model's curves as interactive charts (recharts): ROC and precision-recall with the
// threshold of the point under the pointer, and the confusion matrix as a shaded table.
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { readCurves, shade, type Curves } from "./curves";

const f3 = (v: number | null | undefined) => (v === null || v === undefined ? "—" : v.toFixed(3));

interface TipProps {
  active?: boolean;
  payload?: { payload: Record<string, number | null> }[];
  x: string;
  y: string;
  xName: string;
  yName: string;
}

function PointTip({ active, payload, x, y, xName, yName }: TipProps) {
  if (!active || !payload?.length) return null;
  const p = payload[0].payload;
  return (
    <div className="chart-tip" data-testid="chart-tip">
      <div>
        threshold <b>{f3(p.threshold)}</b>
      </div>
      <div>
        {xName} {f3(p[x])} · {yName} {f3(p[y])}
      </div>
    </div>
  );
}

function Curve({ title, data, x, y, xName, yName, diagonal, testId }: {
  title: string;
  data: Record<string, number | null>[];
  x: string;
  y: string;
  xName: string;
  yName: string;
  diagonal?: boolean;
  testId: string;
}) {
  return (
    <figure className="curve" data-testid={testId}>
      <figcaption className="small">{title}</figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={data} margin={{ top: 6, right: 12, bottom: 18, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey={x} type="number" domain={[0, 1]} tickCount={6} label={{ value: xName, position: "insideBottom", offset: -8, fontSize: 11 }} fontSize={11} />
          <YAxis type="number" domain={[0, 1]} tickCount={6} fontSize={11} width={36} />
          {diagonal ? <ReferenceLine segment={[{ x: 0, y: 0 }, { x: 1, y: 1 }]} stroke="#94a3b8" strokeDasharray="4 4" /> : null}
          <Tooltip content={<PointTip x={x} y={y} xName={xName} yName={yName} />} />
          <Line type="linear" dataKey={y} stroke="#6366f1" strokeWidth={2} dot={false} isAnimationActive={false} activeDot={{ r: 4 }} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

function Confusion({ confusion }: { confusion: NonNullable<Curves["confusion"]> }) {
  return (
    <figure className="curve" data-testid="confusion-matrix">
      <figcaption className="small">Confusion matrix (rows: true label, columns: scored label)</figcaption>
      <table className="confusion">
        <thead>
          <tr>
            <th />
            {confusion.labels.map((l) => (
              <th key={l}>{l}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {confusion.matrix.map((row, i) => (
            <tr key={confusion.labels[i]}>
              <th>{confusion.labels[i]}</th>
              {row.map((v, j) => {
                const s = shade(confusion.matrix, v);
                return (
                  <td key={j} style={{ background: `rgba(99,102,241,${(0.08 + 0.8 * s).toFixed(2)})`, color: s > 0.55 ? "#fff" : "#0f172a" }} title={`true ${confusion.labels[i]}, scored ${confusion.labels[j]}: ${v}`}>
                    {v}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

export default function CurvesView({ curves }: { curves: Record<string, unknown> }) {
  const c = readCurves(curves);
  if (!c.roc.length && !c.pr.length && !c.confusion) return <div className="muted small">No curves for this evaluation (a regression).</div>;
  return (
    <div className="curves" data-testid="preview-curves">
      {c.roc.length ? (
        <Curve title={`ROC${c.positive ? ` (positive: ${c.positive})` : ""} · AUC ${f3(c.auc)}`} data={c.roc as unknown as Record<string, number | null>[]} x="fpr" y="tpr" xName="false positive rate" yName="true positive rate" diagonal testId="roc-chart" />
      ) : null}
      {c.pr.length ? (
        <Curve title={`Precision-recall · average precision ${f3(c.averagePrecision)}`} data={c.pr as unknown as Record<string, number | null>[]} x="recall" y="precision" xName="recall" yName="precision" testId="pr-chart" />
      ) : null}
      {c.confusion ? <Confusion confusion={c.confusion} /> : null}
    </div>
  );
}
