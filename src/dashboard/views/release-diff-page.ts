import { html } from "../html.js";
import { withContext } from "../line-diff.js";
import type { ReleaseChanges } from "../release-diff.js";
import { renderPage, type PageChrome } from "./layout.js";

export function renderReleaseDiffPage(stack: string, changes: ReleaseChanges, chrome: PageChrome): string {
  const lines = changes.configDiff ? withContext(changes.configDiff) : [];
  const names = (list: string[]) => (list.length === 0 ? html`<span class="dim">none</span>` : html`${list.map((name, index) => html`${index > 0 ? ", " : ""}<code>${name}</code>`)}`);
  const body = html`<h1>Changes in ${changes.release.id}</h1>
  <p class="dim">Compared with the release before it, ${changes.against.id}. Secret values are never shown.</p>
  <h2>Variables</h2>
  ${changes.envProblem ? html`<p class="unknown">unknown: ${changes.envProblem}</p>` : html`<p>Added: ${names(changes.envAdded)}<br>Removed: ${names(changes.envRemoved)}</p>`}
  <h2>berth.yml</h2>
  ${
    changes.configProblem
      ? html`<p class="unknown">unknown: ${changes.configProblem}</p>`
      : lines.length === 0
        ? html`<p class="dim">berth.yml did not change.</p>`
        : html`<pre class="diff">${lines.map((line) => (line === null ? html`<span class="skip">…</span>\n` : html`<span class="${line.kind}">${line.kind === "added" ? "+ " : line.kind === "removed" ? "- " : "  "}${line.text}</span>\n`))}</pre>`
  }`;
  return renderPage({ title: `${stack} ${changes.release.id}`, page: "release-diff", stack, ...chrome, body });
}
