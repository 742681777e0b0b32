import { html } from "../html.js";
import type { ActionRecord } from "../action-runner.js";
import type { StackDetail } from "../stack-data.js";
import { renderDeployButton } from "./deploy-control.js";
import { renderTimeline } from "./events.js";
import { formatTime, renderPage, type PageChrome } from "./layout.js";
import { renderReplicaRows } from "./replicas.js";
import { renderTraffic } from "./traffic.js";
import type { Traffic } from "../traffic.js";
import type { UsageHistory } from "../usage-history.js";

export function renderStackPage(detail: StackDetail, actions: ActionRecord[], traffic: Traffic, usage: { history: UsageHistory; stack: string }, chrome: PageChrome): string {
  const services = new Map<string, number>();
  for (const row of detail.rows ?? []) services.set(row.service, (services.get(row.service) ?? 0) + 1);
  const live = detail.releases.find((release) => release.status === "live");
  const body = html`<h1>${detail.name}</h1>
  <p class="summary" id="summary">${live ? html`Live release <b>${live.id}</b> (${live.source}), deployed ${formatTime(live.createdAt)} by ${live.user}.` : html`No release deployed with <code>berth deploy</code>: it runs berth.yml as started by <code>berth up</code>.`}
    <span id="live-status" class="dim">connecting…</span></p>
  <section class="actions">
    <h2>Actions</h2>
    <div class="action-row">
      <label>Restart <select id="restart-service"><option value="">every service</option>${[...services.keys()].map((service) => html`<option value="${service}">${service}</option>`)}</select></label>
      <button disabled data-action="restart">Restart…</button>
      <span class="sep"></span>
      <label>Scale <select id="scale-service">${[...services.keys()].map((service) => html`<option value="${service}">${service}</option>`)}</select></label>
      <input id="scale-count" type="number" min="0" max="64" value="${[...services.values()][0] ?? 1}" aria-label="replicas">
      <button disabled data-action="scale">Scale…</button>
      <span class="sep"></span>
      <button disabled data-action="backup">Back up now…</button>
      ${live?.origin ? html`<span class="sep"></span>${renderDeployButton(live)}` : ""}
    </div>
    <div id="action-progress" class="progress" hidden></div>
    ${actions.length > 0 ? html`<details class="past-actions"><summary>Earlier actions from this dashboard</summary><ul>${actions.map((action) => html`<li class="${action.state}">${formatTime(action.startedAt)} · ${action.label} · <b>${action.state}</b>${action.outcome ? html`: ${action.outcome}` : ""}</li>`)}</ul></details>` : ""}
  </section>
  <section>
    <h2>Replicas</h2>
    <table class="grid" id="replicas">
      <thead><tr><th>Replica</th><th>State</th><th>Health</th><th>Restarts</th><th>Uptime</th><th>CPU (avg)</th><th>Memory</th><th>PID :port</th><th>Last exit</th></tr></thead>
      <tbody id="replica-rows">${renderReplicaRows(detail.rows, detail.rowsProblem, usage)}</tbody>
    </table>
  </section>
  <section>
    <h2>Traffic through the proxy</h2>
    <div id="traffic">${renderTraffic(traffic)}</div>
  </section>
  <section>
    <h2>Timeline</h2>
    ${renderTimeline(detail.events.slice(-30))}
  </section>`;
  return renderPage({ title: detail.name, page: "stack", stack: detail.name, ...chrome, body });
}
