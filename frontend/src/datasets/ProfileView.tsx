// The column profile of one dataset version: a row per column with a small inline SVG histogram.
import type { ColumnProfile, DatasetProfile } from "../api/datasets";

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? "—" : Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));

export function Histogram({ column }: { column: ColumnProfile }) {
  const bars = column.histogram;
  if (!bars.length) return <span className="muted small">—</span>;
  const width = 120;
  const height = 32;
  const top = Math.max(...bars.map((b) => b.count), 1);
  const w = width / bars.length;
  return (
    <svg
      className="histogram"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`${column.name}: ${bars.map((b) => `${b.label} ${b.count}`).join(", ")}`}
      data-testid="histogram"
    >
      {bars.map((b, i) => {
        const h = Math.max(b.count ? 2 : 0, (b.count / top) * (height - 2));
        return (
          <rect key={i} x={i * w + 1} y={height - h} width={Math.max(w - 2, 1)} height={h} className={column.type === "string" ? "bar text" : "bar"}>
            <title>
              {b.label}: {b.count}
            </title>
          </rect>
        );
      })}
    </svg>
  );
}

export function ProfileView({ profile }: { profile: DatasetProfile }) {
  return (
    <div className="profile" data-testid="profile">
      <div className="muted small">
        {profile.ref} v{profile.version} · {profile.rows} rows · {profile.columns.length} columns
        {profile.profiled_rows !== undefined && profile.profiled_rows < profile.rows ? ` · statistics of the first ${profile.profiled_rows} rows` : ""}
      </div>
      <ProfileTable columns={profile.columns} />
    </div>
  );
}

/** A row per column: type, missing, distinct, min/max/mean and a small histogram. */
export function ProfileTable({ columns }: { columns: ColumnProfile[] }) {
  return (
    <table className="table compact">
      <thead>
        <tr>
          <th>Column</th>
          <th>Type</th>
          <th>Missing</th>
          <th>Distinct</th>
          <th>Min</th>
          <th>Max</th>
          <th>Mean</th>
          <th>Distribution</th>
        </tr>
      </thead>
      <tbody>
        {columns.map((c) => (
          <tr key={c.name} data-testid="profile-column" data-column={c.name}>
            <td className="name">
              <code>{c.name}</code>
            </td>
            <td>
              <span className={`pill type-${c.type}`} data-testid="column-type">
                {c.type}
              </span>
            </td>
            <td className={c.missing ? "warn-text" : "muted"}>{c.missing}</td>
            <td>
              {c.distinct}
              {c.distinct_capped ? "+" : ""}
            </td>
            <td>{fmt(c.min)}</td>
            <td>{fmt(c.max)}</td>
            <td>{fmt(c.mean)}</td>
            <td>
              <Histogram column={c} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
