// The dashboard's only script, served as /assets/dashboard.js: vanilla, no framework, no bundler.
// Pages are rendered by the daemon; this keeps them live (server-sent events) and runs actions.
export const DASHBOARD_SCRIPT = String.raw`
"use strict";
(() => {
  const body = document.body;
  const page = body.dataset.page;
  const stack = body.dataset.stack;
  const csrf = body.dataset.csrf;
  const api = (path) => "/api/stacks/" + encodeURIComponent(stack) + path;
  const setStatus = (text) => { const el = document.getElementById("live-status"); if (el) el.textContent = text; };

  function confirmThen(text, run) {
    const dialog = document.getElementById("confirm");
    document.getElementById("confirm-text").textContent = text;
    dialog.returnValue = "";
    dialog.addEventListener("close", () => { if (dialog.returnValue === "ok") run(); }, { once: true });
    dialog.showModal();
  }

  async function startAction(request) {
    const panel = document.getElementById("action-progress");
    panel.hidden = false;
    panel.className = "progress";
    delete panel.dataset.state;
    panel.textContent = request.label + ": asking the daemon…\n";
    document.querySelectorAll("[data-action]").forEach((button) => (button.disabled = true));
    const done = () => document.querySelectorAll("[data-action]").forEach((button) => (button.disabled = false));
    let answer;
    try {
      answer = await fetch(api("/actions"), { method: "POST", headers: { "content-type": "application/json", "x-berth-csrf": csrf }, body: JSON.stringify(request) });
    } catch (error) {
      panel.className = "progress failed";
      panel.textContent += "could not reach the daemon: " + error.message;
      return done();
    }
    const reply = await answer.json().catch(() => ({ error: "the daemon answered " + answer.status }));
    if (!answer.ok) {
      panel.className = "progress failed";
      panel.textContent += "refused: " + (reply.error || answer.status);
      return done();
    }
    const events = new EventSource("/api/actions/" + encodeURIComponent(reply.id) + "/stream");
    events.addEventListener("progress", (event) => (panel.textContent += JSON.parse(event.data).message + "\n"));
    events.addEventListener("done", (event) => {
      const record = JSON.parse(event.data);
      panel.className = "progress " + record.state;
      panel.dataset.state = record.state;
      panel.textContent += (record.state === "succeeded" ? "done: " : "failed: ") + record.outcome + "\n";
      events.close();
      done();
    });
    events.onerror = () => { if (events.readyState === EventSource.CLOSED) { panel.textContent += "lost the connection; the action goes on in the daemon (see Events)\n"; done(); } };
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    const kind = button.dataset.action;
    let request;
    if (kind === "restart") {
      const service = document.getElementById("restart-service").value;
      request = { kind, service, label: "restart " + (service || "every service") };
      return confirmThen("Restart " + (service || "every service") + "? Replicas restart one at a time, each ready before the next.", () => startAction(request));
    }
    if (kind === "scale") {
      const service = document.getElementById("scale-service").value;
      const count = Number(document.getElementById("scale-count").value);
      request = { kind, service, count, label: "scale " + service + " to " + count };
      return confirmThen("Scale " + service + " to " + count + " replica(s)?", () => startAction(request));
    }
    if (kind === "backup") return confirmThen("Back up the stack's database and Redis now? The app keeps serving.", () => startAction({ kind, label: "back up now" }));
    if (kind === "verify-backup") {
      const backup = button.dataset.backup;
      return confirmThen("Check " + backup + " against its SHA-256 checksum? This reads the whole file.", () => startAction({ kind, backup, label: "verify " + backup }));
    }
    if (kind === "deploy") {
      return confirmThen("Deploy " + button.dataset.source + " again, as berth deploy does? The build and release tasks run, the new replicas take over once healthy; if anything fails the live release keeps serving.", () => startAction({ kind, label: "deploy the current source" }));
    }
    if (kind === "rollback") {
      const release = button.dataset.release;
      return confirmThen("Roll back to release " + release + "? Its replicas start beside the live ones and take over once healthy; migrations are not run again.", () => startAction({ kind, release, label: "roll back to " + release }));
    }
  });
  // Action buttons are rendered disabled: a click before this handler exists would be lost.
  document.querySelectorAll("[data-action]").forEach((button) => (button.disabled = false));

  function followStack(onEvent) {
    const source = new EventSource(api("/live"));
    source.onopen = () => setStatus("live");
    source.onerror = () => setStatus("reconnecting… (the values shown may be stale)");
    source.addEventListener("state", (event) => {
      const state = JSON.parse(event.data);
      const rows = document.getElementById("replica-rows");
      if (rows) rows.innerHTML = state.replicasHtml;
      const traffic = document.getElementById("traffic");
      if (traffic && state.trafficHtml) traffic.innerHTML = state.trafficHtml;
      setStatus("live · updated " + new Date().toLocaleTimeString());
    });
    source.addEventListener("event", (event) => {
      const timeline = document.getElementById("timeline");
      if (!timeline) return;
      timeline.querySelector(".empty-note")?.remove();
      timeline.insertAdjacentHTML("afterbegin", JSON.parse(event.data).html);
      onEvent && onEvent();
    });
  }

  function followLogs() {
    const lines = document.getElementById("log-lines");
    const filter = document.getElementById("log-filter");
    const pause = document.getElementById("log-pause");
    const status = document.getElementById("log-status");
    const select = document.getElementById("log-source");
    const maxLines = 2000;
    let paused = false;
    let held = [];
    const matches = (el) => !filter.value || el.textContent.toLowerCase().includes(filter.value.toLowerCase());
    const show = (line) => {
      const el = document.createElement("span");
      el.className = "line" + (line.stream === "err" ? " err" : "");
      const time = document.createElement("span");
      time.className = "time";
      time.textContent = line.at.slice(11, 23) + " ";
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = line.label + " | ";
      el.append(time, label, document.createTextNode(line.text));
      if (!matches(el)) el.classList.add("hidden");
      const atBottom = lines.scrollTop + lines.clientHeight >= lines.scrollHeight - 20;
      lines.append(el);
      while (lines.childElementCount > maxLines) lines.firstElementChild.remove();
      if (atBottom) lines.scrollTop = lines.scrollHeight;
    };
    filter.addEventListener("input", () => lines.querySelectorAll(".line").forEach((el) => el.classList.toggle("hidden", !matches(el))));
    pause.addEventListener("click", () => {
      paused = !paused;
      pause.textContent = paused ? "Resume" : "Pause";
      if (!paused) { held.forEach(show); held = []; status.textContent = "following"; }
    });
    select.addEventListener("change", () => { location.search = select.value ? "?source=" + encodeURIComponent(select.value) : ""; });
    const params = new URLSearchParams(location.search);
    const source = new EventSource(api("/logs/stream" + (params.get("source") ? "?source=" + encodeURIComponent(params.get("source")) : "")));
    source.addEventListener("following", () => (status.textContent = paused ? "paused" : "following"));
    source.onerror = () => (status.textContent = "reconnecting…");
    source.addEventListener("reset", () => { lines.textContent = ""; held = []; });
    source.addEventListener("line", (event) => {
      const line = JSON.parse(event.data);
      if (paused) {
        if (held.length < maxLines) held.push(line);
        status.textContent = "paused · " + held.length + " new line(s) held";
      } else show(line);
    });
  }

  if (page === "stack" || page === "events") followStack();
  if (page === "logs") followLogs();
})();
`;
