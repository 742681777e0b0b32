import { formatBytes } from "../../util/format-bytes.js";
import type { BackupRow } from "../backups.js";
import { html } from "../html.js";
import { formatTime, renderPage, type PageChrome } from "./layout.js";

export function renderBackupsPage(stack: string, backups: BackupRow[], directory: string, chrome: PageChrome): string {
  const rows = backups.map(
    (backup) => html`<tr data-backup="${backup.name}">
      <td><code>${backup.name}</code></td>
      <td>${backup.engine}</td>
      <td>${backup.kind}</td>
      <td class="num">${formatBytes(backup.sizeBytes)}</td>
      <td>${formatTime(backup.createdAt)}</td>
      <td>${backup.hasChecksum ? html`<span class="ok">checksum kept</span> <span class="dim">(not checked yet)</span>` : html`<span class="bad">no checksum file: cannot be restored</span>`}</td>
      <td>${backup.hasChecksum ? html`<button disabled data-action="verify-backup" data-backup="${backup.name}">Verify…</button>` : ""}</td>
    </tr>`,
  );
  const body = html`<h1>Backups</h1>
  <p class="dim">In <code>${directory}</code>, newest first (<code>berth backups</code>). <button disabled data-action="backup">Back up now…</button></p>
  <div id="action-progress" class="progress" hidden></div>
  ${
    backups.length === 0
      ? html`<p class="empty">No backup yet. "Back up now" makes one of the database and Redis, as <code>berth backup</code> does.</p>`
      : html`<table class="grid"><thead><tr><th>Backup</th><th>Engine</th><th>Kind</th><th>Size</th><th>Taken</th><th>Checksum</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
  }`;
  return renderPage({ title: `${stack} backups`, page: "backups", stack, ...chrome, body });
}
