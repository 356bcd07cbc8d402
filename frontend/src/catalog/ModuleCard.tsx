import { Link } from "react-router-dom";
import type { ModuleListItem } from "../api/modules";
import { DefaultMarker, StatusBadge, TypeChip } from "./Bits";
import { BUILTIN_TEAM, preferredVersion, statusSummary } from "./logic";

/** `myTeams`: the user's teams; a module of another team (not builtin) is marked "shared by". */
export function ModuleCard({ module, myTeams }: { module: ModuleListItem; myTeams?: readonly string[] }) {
  const shown = preferredVersion(module);
  const spec = module.spec;
  const description = module.description || spec?.description || "";
  const types = spec ? [...new Set([...(spec.inputs ?? []), ...(spec.outputs ?? [])].map((p) => p.type))] : [];
  return (
    <Link to={`/catalog/${module.team}/${module.name}`} className="cat-card cat-module-card" data-testid="module-card">
      <div className="cat-card-top">
        <h3>{module.display_name || module.name}</h3>
        {module.team === BUILTIN_TEAM && <span className="cat-pill">builtin</span>}
        {myTeams && module.team !== BUILTIN_TEAM && !myTeams.includes(module.team) && (
          <span className="cat-pill cat-pill-shared" data-testid="shared-badge">
            shared by {module.team}
          </span>
        )}
      </div>
      <code className="cat-card-ref">{module.ref}</code>
      {description && <p className="cat-card-desc">{description}</p>}
      {types.length > 0 && (
        <div className="cat-card-types">
          {types.map((t) => (
            <TypeChip key={t} type={t} />
          ))}
        </div>
      )}
      <div className="cat-card-foot">
        {module.default_version ? (
          <span>
            <strong>{module.default_version}</strong> <DefaultMarker />{" "}
            {shown && shown.status !== "active" && <StatusBadge status={shown.status} />}
          </span>
        ) : shown ? (
          <span>
            <strong>{shown.version}</strong> <StatusBadge status={shown.status} />
          </span>
        ) : (
          <span className="cat-muted">no versions</span>
        )}
        <span className="cat-muted cat-small">{statusSummary(module.versions)}</span>
      </div>
    </Link>
  );
}
