// The dashboard's stylesheet, served as /assets/dashboard.css: plain CSS, no build step.
export const DASHBOARD_CSS = `
:root { --fg:#1d2329; --dim:#6b7680; --line:#dde2e6; --bg:#f6f7f9; --card:#fff; --ok:#16794a; --warn:#9a6300; --bad:#b42318; --accent:#1f5fbf; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header.top { display:flex; align-items:center; gap:.5rem; padding:.6rem 1.5rem; background:#14213d; color:#fff; }
header.top a { color:#fff; text-decoration:none; }
.brand { font-weight:700; letter-spacing:.03em; }
.crumb { opacity:.85; }
.logout { margin-left:auto; }
button.link { background:none; border:none; color:#cfd8e3; cursor:pointer; font:inherit; }
main { max-width:1240px; margin:0 auto; padding:1rem 1.5rem 3rem; }
h1 { font-size:1.4rem; margin:.6rem 0; }
h2 { font-size:1rem; margin:1.2rem 0 .5rem; color:#33404d; }
nav.tabs { display:flex; gap:.2rem; border-bottom:1px solid var(--line); margin-bottom:.5rem; }
nav.tabs a { padding:.4rem .8rem; text-decoration:none; color:var(--dim); border-bottom:2px solid transparent; }
nav.tabs a.current { color:var(--fg); border-bottom-color:var(--accent); font-weight:600; }
table.grid { width:100%; border-collapse:collapse; background:var(--card); border:1px solid var(--line); }
table.grid th, table.grid td { padding:.35rem .6rem; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
table.grid th { font-weight:600; font-size:.8rem; color:var(--dim); text-transform:uppercase; letter-spacing:.03em; background:#fafbfc; }
td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td.cert div { font-size:.8rem; white-space:nowrap; }
td.disk div { white-space:nowrap; font-size:.85rem; }
td.exit { max-width:22rem; color:#4a5560; font-size:.85rem; }
.ok { color:var(--ok); } .warn { color:var(--warn); } .bad, .error { color:var(--bad); }
.dim { color:var(--dim); } .unknown { color:var(--warn); font-size:.8rem; }
td.state, td.health { font-weight:600; }
.badge { display:inline-block; padding:0 .45rem; border-radius:.6rem; font-size:.75rem; background:#e8ecf0; color:#33404d; }
.badge.live { background:#dcf3e6; color:var(--ok); } .badge.failed { background:#fde4e1; color:var(--bad); } .badge.deploying { background:#fff1d6; color:var(--warn); }
section.actions { background:var(--card); border:1px solid var(--line); padding:.2rem 1rem .8rem; }
.action-row { display:flex; flex-wrap:wrap; gap:.5rem; align-items:center; }
.action-row .sep { width:1px; height:1.4rem; background:var(--line); margin:0 .4rem; }
input[type=number] { width:4.5rem; }
button, select, input { font:inherit; padding:.25rem .55rem; border:1px solid #c3cad1; border-radius:4px; background:#fff; }
button { cursor:pointer; } button:hover { border-color:var(--accent); }
button.primary { background:var(--accent); color:#fff; border-color:var(--accent); }
button:disabled { opacity:.5; cursor:default; }
.progress { margin-top:.7rem; padding:.5rem .7rem; background:#f3f6fa; border-left:3px solid var(--accent); font-family:ui-monospace, monospace; font-size:.85rem; white-space:pre-wrap; }
.progress.succeeded { border-left-color:var(--ok); } .progress.failed { border-left-color:var(--bad); }
.past-actions { margin-top:.6rem; font-size:.85rem; }
ul.timeline { list-style:none; margin:0; padding:0; background:var(--card); border:1px solid var(--line); }
ul.timeline li { display:grid; grid-template-columns:11.5rem 9.5rem 12.5rem 1fr; gap:.6rem; padding:.3rem .7rem; border-bottom:1px solid var(--line); font-size:.88rem; }
li.event.warning .kind { color:var(--warn); } li.event.error .kind { color:var(--bad); } li.event .kind { font-weight:600; }
li.event time { color:var(--dim); font-variant-numeric:tabular-nums; }
ul.timeline li.empty-note { display:block; }
.log-controls { display:flex; gap:.6rem; align-items:center; margin-bottom:.5rem; }
#log-filter { flex:1; max-width:24rem; }
pre.logs { background:#0f1720; color:#d7dee6; padding:.6rem .8rem; height:65vh; overflow:auto; font-size:.8rem; margin:0; border-radius:4px; }
pre.logs .line { display:block; white-space:pre-wrap; word-break:break-all; }
pre.logs .label { color:#7fb4ff; } pre.logs .err { color:#ffb4a8; } pre.logs .time { color:#7d8a97; }
pre.logs .line.hidden { display:none; }
.login { max-width:28rem; margin:3rem auto; background:var(--card); border:1px solid var(--line); padding:1rem 1.5rem 1.5rem; }
.login form { display:flex; gap:.5rem; } .login input { flex:1; }
dialog { border:1px solid var(--line); border-radius:6px; padding:1rem 1.2rem; max-width:30rem; }
dialog .buttons { display:flex; justify-content:flex-end; gap:.5rem; }
.empty { background:var(--card); border:1px dashed var(--line); padding:1rem; }
svg.spark { color:var(--accent); vertical-align:middle; margin-top:2px; }
.spark-none { font-size:.75rem; color:var(--dim); }
dl.traffic { display:flex; flex-wrap:wrap; gap:1.5rem; align-items:baseline; margin:0; padding:.6rem 1rem; background:var(--card); border:1px solid var(--line); }
dl.traffic dt { font-size:.75rem; color:var(--dim); text-transform:uppercase; letter-spacing:.03em; }
dl.traffic dd { margin:0; font-size:1.15rem; font-variant-numeric:tabular-nums; }
dl.traffic .span { margin-left:auto; font-size:.8rem; }
p.traffic { margin:0; padding:.6rem 1rem; background:var(--card); border:1px solid var(--line); }
.degraded { margin:.8rem 0; padding:.5rem .9rem; background:#fdecea; border:1px solid #f3b8b1; color:#7a1b12; }
.degraded ul { margin:.2rem 0 0; padding-left:1.2rem; }
pre.diff { background:var(--card); border:1px solid var(--line); padding:.6rem .8rem; font-size:.82rem; overflow:auto; }
pre.diff .added { color:var(--ok); background:#eaf7ef; display:inline-block; width:100%; }
pre.diff .removed { color:var(--bad); background:#fdf0ee; display:inline-block; width:100%; }
pre.diff .skip { color:var(--dim); }
a.changes { font-size:.8rem; margin-left:.4rem; }
code { background:#eef1f4; padding:0 .25rem; border-radius:3px; }
`;
