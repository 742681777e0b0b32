import { html } from "../html.js";
import { renderPage, type PageChrome } from "./layout.js";

export function renderLogsPage(stack: string, sources: string[], selected: string, chrome: PageChrome): string {
  const body = html`<h1>Logs</h1>
  <div class="log-controls">
    <label>Source <select id="log-source">
      <option value="" ${selected === "" ? "selected" : ""}>all services</option>
      ${sources.map((source) => html`<option value="${source}" ${source === selected ? "selected" : ""}>${source}</option>`)}
    </select></label>
    <input id="log-filter" type="search" placeholder="filter lines (text)" aria-label="filter">
    <button id="log-pause" type="button">Pause</button>
    <span id="log-status" class="dim">connecting…</span>
  </div>
  <pre id="log-lines" class="logs" aria-live="polite"></pre>`;
  return renderPage({ title: `${stack} logs`, page: "logs", stack, ...chrome, body });
}
