import { NavLink, Route, Routes } from "react-router-dom";
import { useMe } from "./hooks/useMe";
import { CatalogPage } from "./pages/CatalogPage";
import { ModuleEditorPage } from "./pages/ModuleEditorPage";
import { ModulePage } from "./pages/ModulePage";
import { PipelinesPage } from "./pages/PipelinesPage";
import { CanvasPage } from "./pages/CanvasPage";
import { CompareRunsPage } from "./pages/CompareRunsPage";
import { RunsPage } from "./pages/RunsPage";
import { RunPage } from "./pages/RunPage";
import { TeamsPage } from "./pages/TeamsPage";
import { TokensPage } from "./pages/TokensPage";
import { DatasetsPage } from "./pages/DatasetsPage";
import { EndpointsPage } from "./pages/EndpointsPage";
import { ModelsPage } from "./pages/ModelsPage";
import { ModelPage } from "./pages/ModelPage";
import { LineagePage } from "./pages/LineagePage";
import { DeploymentsPage } from "./pages/DeploymentsPage";
import { DeploymentPage } from "./pages/DeploymentPage";

export function App() {
  const me = useMe();
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="logo" /> Pipewright
        </div>
        <nav>
          <NavLink to="/" end>
            Pipelines
          </NavLink>
          <NavLink to="/catalog">Catalog</NavLink>
          <NavLink to="/runs">Runs</NavLink>
          <NavLink to="/teams">Teams</NavLink>
          <NavLink to="/tokens">API tokens</NavLink>
          <NavLink to="/datasets">Datasets</NavLink>
          <NavLink to="/models">Models</NavLink>
          <NavLink to="/endpoints">Endpoints</NavLink>
          <NavLink to="/deployments">Deployments</NavLink>
        </nav>
        <div className="user">
          {me ? <span data-testid="username">{me.username}</span> : null}
          <form method="post" action="/logout/">
            <input type="hidden" name="csrfmiddlewaretoken" value={document.cookie.match(/csrftoken=([^;]+)/)?.[1] ?? ""} />
            <button className="link">Sign out</button>
          </form>
        </div>
      </header>
      <main className="content">
        <Routes>
          <Route path="/" element={<PipelinesPage />} />
          <Route path="/pipelines/:id" element={<CanvasPage />} />
          <Route path="/catalog" element={<CatalogPage />} />
          <Route path="/catalog/:team/:name" element={<ModulePage />} />
          <Route path="/catalog/:team/:name/edit" element={<ModuleEditorPage />} />
          <Route path="/runs" element={<RunsPage />} />
          <Route path="/runs/compare" element={<CompareRunsPage />} />
          <Route path="/runs/:id" element={<RunPage />} />
          <Route path="/teams" element={<TeamsPage />} />
          <Route path="/teams/:team" element={<TeamsPage />} />
          <Route path="/tokens" element={<TokensPage />} />
          <Route path="/datasets" element={<DatasetsPage />} />
          <Route path="/endpoints" element={<EndpointsPage />} />
          <Route path="/models" element={<ModelsPage />} />
          <Route path="/models/:id" element={<ModelPage />} />
          <Route path="/lineage" element={<LineagePage />} />
          <Route path="/deployments" element={<DeploymentsPage />} />
          <Route path="/deployments/:slug" element={<DeploymentPage />} />
          <Route path="*" element={<div className="empty">Page not found.</div>} />
        </Routes>
      </main>
    </div>
  );
}
