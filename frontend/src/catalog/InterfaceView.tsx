import type { ModuleSpec, Port } from "../api/modules";
import { TypeChip } from "./Bits";
import { paramRows } from "./logic";

function PortList({ title, ports, testId }: { title: string; ports: Port[]; testId: string }) {
  return (
    <div className="cat-ports" data-testid={testId}>
      <h4>{title}</h4>
      {ports.length === 0 ? (
        <p className="cat-muted">None</p>
      ) : (
        <ul>
          {ports.map((p) => (
            <li key={p.name}>
              <span className="cat-port-name">{p.name}</span>
              <TypeChip type={p.type} />
              {p.optional && <span className="cat-muted cat-small">optional</span>}
              {p.description && <span className="cat-muted cat-small">{p.description}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A version's interface: typed ports and the parameter table. */
export function InterfaceView({ spec }: { spec: ModuleSpec }) {
  const rows = paramRows(spec.parameters);
  const runtime = spec.runtime ?? {};
  const image = typeof runtime.image === "string" ? runtime.image : null;
  const command = Array.isArray(runtime.command) ? (runtime.command as unknown[]).map(String).join(" ") : null;
  return (
    <div className="cat-interface">
      <div className="cat-ports-row">
        <PortList title="Inputs" ports={spec.inputs ?? []} testId="inputs" />
        <div className="cat-ports-arrow" aria-hidden>
          →
        </div>
        <PortList title="Outputs" ports={spec.outputs ?? []} testId="outputs" />
      </div>
      <h4>Parameters</h4>
      {rows.length === 0 ? (
        <p className="cat-muted">This module takes no parameters.</p>
      ) : (
        <table className="cat-table cat-params" data-testid="params-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Default</th>
              <th>Constraints</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name}>
                <td>
                  <code>{r.name}</code>
                </td>
                <td>
                  <span className="cat-param-type">{r.type}</span>
                </td>
                <td>{r.default ? <code>{r.default}</code> : <span className="cat-muted">—</span>}</td>
                <td>
                  {r.constraints.length ? (
                    r.constraints.map((c) => (
                      <span className="cat-constraint" key={c}>
                        {c}
                      </span>
                    ))
                  ) : (
                    <span className="cat-muted">—</span>
                  )}
                </td>
                <td>
                  {r.title && <div className="cat-param-title">{r.title}</div>}
                  {r.description && <div className="cat-muted">{r.description}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(image || command) && (
        <dl className="cat-runtime">
          {image && (
            <>
              <dt>Image</dt>
              <dd>
                <code>{image}</code>
              </dd>
            </>
          )}
          {command && (
            <>
              <dt>Command</dt>
              <dd>
                <code>{command}</code>
              </dd>
            </>
          )}
          {spec.deterministic === false && (
            <>
              <dt>Cache</dt>
              <dd>never reused (non-deterministic)</dd>
            </>
          )}
        </dl>
      )}
    </div>
  );
}
