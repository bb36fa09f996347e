/**
 * The stylesheet and script inlined into report.html. Kept apart from the markup builder so both
 * stay readable; the script is hashed into the page's Content-Security-Policy, so nothing else
 * (nothing injected, nothing from the network) can run or load.
 */

export const STYLE = `
:root { --fg:#1c2430; --muted:#5d6b7c; --line:#d8dee6; --panel:#f6f8fa; --bg:#fff;
  --ok:#1a7f37; --fail:#cf222e; --warn:#9a6700; --info:#0969da; --control:#0969da; --data:#1a7f37; }
@media (prefers-color-scheme: dark) {
  :root { --fg:#e6edf3; --muted:#9aa7b4; --line:#30363d; --panel:#161b22; --bg:#0d1117;
    --ok:#3fb950; --fail:#f85149; --warn:#d29922; --info:#58a6ff; --control:#58a6ff; --data:#3fb950; }
}
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; }
main { max-width:1060px; margin:0 auto; padding:24px 20px 48px; }
h1 { font-size:22px; margin:0 0 4px; } h2 { font-size:18px; margin:28px 0 10px; border-bottom:1px solid var(--line); padding-bottom:4px; }
h3 { font-size:15px; margin:18px 0 6px; }
code, pre, .mono { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12.5px; }
pre { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:10px 12px; overflow-x:auto; white-space:pre-wrap; word-break:break-word; margin:6px 0; }
.meta { color:var(--muted); margin:0 0 12px; }
.badge { display:inline-block; padding:1px 10px; border-radius:999px; font-weight:600; font-size:13px; color:#fff; vertical-align:middle; }
.badge.pass, .badge.ok, .badge.met { background:var(--ok); } .badge.fail, .badge.unmet, .badge.error { background:var(--fail); }
.badge.warn, .badge.warning, .badge.tool-error { background:var(--warn); } .badge.skip, .badge.info { background:var(--muted); }
.callout { border-left:4px solid var(--fail); background:var(--panel); padding:10px 14px; border-radius:0 6px 6px 0; margin:12px 0; font-weight:500; }
.callout.good { border-color:var(--ok); }
table { border-collapse:collapse; width:100%; margin:6px 0 12px; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); }
td.num, .num { white-space:nowrap; }
.transcript-block > summary { font-size:18px; margin-top:28px; }
.figure { border:1px solid var(--line); border-radius:8px; padding:8px; overflow-x:auto; background:var(--bg); }
svg.sequence { display:block; max-width:100%; height:auto; font:12px system-ui,sans-serif; }
svg text { paint-order:stroke; stroke:var(--bg); stroke-width:4px; stroke-linejoin:round; }
svg .lane text, svg .death text, svg .hop-mark text { stroke:none; }
svg .lane rect { fill:var(--panel); stroke:var(--line); } svg .lane.hop rect { fill:#fff4e5; stroke:#f0b45c; } svg .lane.unknown rect { fill:var(--panel); stroke:var(--muted); stroke-dasharray:4 3; }
svg .lane text { font-weight:600; fill:var(--fg); font-size:13px; }
svg .lifeline { stroke:var(--line); stroke-dasharray:4 4; stroke-width:1.5; }
svg .time { fill:var(--muted); font-size:11px; }
svg .msg { stroke:var(--muted); stroke-width:1; } svg .msg-label { fill:var(--fg); font-family:ui-monospace,Menlo,Consolas,monospace; font-size:11.5px; }
svg .conn { stroke-width:3; } svg .conn.control { stroke:var(--control); } svg .conn.data { stroke:var(--data); }
svg .conn.failed { stroke:var(--fail); stroke-dasharray:8 5; }
svg .conn-label { font-weight:600; } svg .conn-label.control { fill:var(--control); } svg .conn-label.data { fill:var(--data); }
svg .failure-label { fill:var(--fail); font-weight:700; }
svg .death circle { fill:var(--fail); } svg .death text { fill:#fff; font-weight:700; font-size:14px; }
svg .hop-mark circle { fill:var(--bg); stroke:var(--ok); stroke-width:1.5; } svg .hop-mark text { fill:var(--ok); font-size:10px; }
svg .marker-control path { fill:var(--control); } svg .marker-data path { fill:var(--data); } svg .marker-msg path { fill:var(--muted); }
.legend { color:var(--muted); font-size:12px; margin:6px 2px 0; }
.legend span { margin-right:14px; } .legend i { display:inline-block; width:18px; height:3px; vertical-align:middle; margin-right:4px; }
.finding { border:1px solid var(--line); border-left:4px solid var(--info); border-radius:6px; padding:10px 14px; margin:10px 0; }
.finding.error { border-left-color:var(--fail); } .finding.warning { border-left-color:var(--warn); }
.finding h3 { margin-top:0; } .finding ul { margin:4px 0; padding-left:20px; }
.remedy-product { font-weight:600; margin-top:8px; }
.portbar { display:flex; height:26px; border-radius:6px; overflow:hidden; border:1px solid var(--line); margin:8px 0; }
.portbar div { min-width:2px; } .state-open { background:var(--ok); } .state-dropped, .state-refused, .state-misrouted { background:var(--fail); } .state-error { background:var(--warn); }
.transcript .line { white-space:pre-wrap; word-break:break-word; } .transcript .d-out { color:var(--control); } .transcript .d-ev { color:var(--muted); }
.transcript .t { color:var(--muted); } .controls { margin:6px 0; }
details > summary { cursor:pointer; font-weight:600; margin:8px 0; }
details.scenario { border:1px solid var(--line); border-radius:8px; padding:0 14px; margin:8px 0; }
details.scenario > summary { font-size:15px; margin:0; padding:10px 0; }
details.scenario[open] > summary { border-bottom:1px solid var(--line); margin-bottom:8px; }
.scenario-id { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }
details.session { margin:6px 0; } details.session > summary { font-weight:500; }
.fail-text { color:var(--fail); font-weight:600; }
footer { color:var(--muted); font-size:12px; margin-top:32px; }
@media print {
  body { font-size:10.5pt; background:#fff; color:#000; } main { max-width:none; padding:0; }
  * { -webkit-print-color-adjust:exact; print-color-adjust:exact; }
  .controls, .no-print { display:none !important; }
  .figure { overflow:visible; border:none; padding:0; }
  .finding, table tr, svg.sequence, .callout { break-inside:avoid; }
  .scenario { break-before:page; } .scenario:first-of-type { break-before:auto; }
  pre { white-space:pre-wrap; border-color:#bbb; }
  a { color:inherit; text-decoration:none; }
}
`;

/**
 * Session filter for transcripts; open every <details> before printing (a closed one would print
 * as a bare summary line); open the collapsed section a link or the address points into.
 */
export const SCRIPT = `
(function () {
  document.querySelectorAll('select[data-transcript]').forEach(function (select) {
    select.addEventListener('change', function () {
      var target = document.getElementById(select.getAttribute('data-transcript'));
      if (!target) return;
      target.querySelectorAll('.line').forEach(function (line) {
        line.hidden = select.value !== '' && line.getAttribute('data-session') !== select.value;
      });
    });
  });
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details').forEach(function (details) { details.open = true; });
  });
  function openTarget() {
    var element = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    for (; element; element = element.parentElement) if (element.tagName === 'DETAILS') element.open = true;
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
})();
`;
