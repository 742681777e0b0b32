import { html } from "../html.js";
import type { DeployOrigin, ReleaseRecord } from "../../release/history.js";

// "Deploy the current source…": the live release's source, deployed again by the berth CLI (deploy-current-source.ts).

export function describeDeploySource(origin: DeployOrigin): string {
  return origin.source.kind === "ref" ? `git ref ${origin.source.ref} of ${origin.directory}` : origin.source.directory;
}

/** The button, when the live release says where it came from; nothing otherwise. */
export function renderDeployButton(live: ReleaseRecord | undefined) {
  if (!live?.origin) return "";
  return html`<button disabled data-action="deploy" data-source="${describeDeploySource(live.origin)}">Deploy the current source…</button>`;
}

/** The releases page's line: where the live release came from and the button, or why there is none. */
export function renderDeployControl(releases: ReleaseRecord[]) {
  const live = releases.find((release) => release.status === "live");
  if (!live) return "";
  if (!live.origin) return html`<p class="dim">The live release does not say where it was deployed from (made by an older berth): run <code>berth deploy</code> once, then it can be deployed again from here.</p>`;
  return html`<p class="dim">The live release came from <code>${describeDeploySource(live.origin)}</code>. ${renderDeployButton(live)}</p>`;
}
