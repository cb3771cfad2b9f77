/**
 * The GUI's style sheet: system fonts, light and dark from `prefers-color-scheme`, visible
 * keyboard focus, tables that scroll inside their box on small screens.
 * @module
 */

/** `/app.css`. */
export const GUI_STYLE = `:root {
  --bg: #fbfaf7; --fg: #1f1d1a; --muted: #6a645b; --line: #ddd6ca; --panel: #ffffff;
  --accent: #8a4b16; --accent-fg: #ffffff; --ok: #1d6b3a; --warn: #8a5a00; --bad: #a3251b;
  --ok-bg: #e3f3e8; --warn-bg: #fbf0d6; --bad-bg: #fbe4e1; --focus: #1a5fb4;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #171513; --fg: #ece7df; --muted: #a89f92; --line: #3a352f; --panel: #201d1a;
    --accent: #e0a060; --accent-fg: #1b1208; --ok: #7fd39a; --warn: #f0c060; --bad: #ff8f82;
    --ok-bg: #17301f; --warn-bg: #33290f; --bad-bg: #3a1a17; --focus: #8ab4f8;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1, h2, h3 { line-height: 1.2; margin: 0 0 .5rem; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.15rem; }
h3 { font-size: 1rem; margin-top: 1rem; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em; }
a { color: var(--accent); }
.top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; padding: 1rem 1.25rem; border-bottom: 1px solid var(--line); background: var(--panel); }
.tagline { font-weight: 400; color: var(--muted); font-size: 1rem; }
.switch { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
.hint { color: var(--muted); font-size: .9rem; }
main { display: grid; gap: 1.25rem; padding: 1.25rem; align-items: start; grid-template-columns: minmax(0, 1fr); max-width: 1400px; margin: 0 auto; }
@media (min-width: 1000px) { main { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); } .log { grid-column: 1 / -1; } }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 1rem; min-width: 0; }
.section-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: .5rem; }
.tools { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
.scroll { overflow: auto; max-height: 55vh; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { position: sticky; top: 0; background: var(--panel); z-index: 1; }
td.mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85rem; word-break: break-all; }
td.time { white-space: nowrap; color: var(--muted); }
button, select, input, textarea { font: inherit; color: inherit; }
button { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .3rem .7rem; cursor: pointer; }
button:hover:enabled { border-color: var(--accent); }
button:disabled { opacity: .45; cursor: default; }
#sites input[type=number] { width: 7em; }
button[type=submit], #toggle { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); }
#toggle[aria-pressed=false] { background: var(--bad-bg); color: var(--bad); border-color: var(--bad); }
button[aria-pressed=true]#pause { background: var(--warn-bg); }
input, select, textarea { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .3rem .5rem; max-width: 100%; }
textarea { width: 100%; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85rem; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.row-form { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .5rem 0 .75rem; }
.grid-form { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .5rem .75rem; align-items: center; margin: .5rem 0 1rem; }
@media (max-width: 600px) { .grid-form { grid-template-columns: minmax(0, 1fr); } }
.quick { display: flex; gap: .25rem; flex-wrap: nowrap; }
.quick button { padding: .1rem .45rem; font-size: .8rem; }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: 999px; font-size: .8rem; white-space: nowrap; }
.badge.kept { background: var(--ok-bg); color: var(--ok); }
.badge.session, .badge.capped { background: var(--warn-bg); color: var(--warn); }
.badge.stripped, .badge.dropped-invalid { background: var(--bad-bg); color: var(--bad); }
.third { font-size: .75rem; color: var(--muted); }
.status { min-height: 1.5rem; margin: .5rem 1.25rem 0; }
.status.error { color: var(--bad); }
.file-error { margin: .5rem 1.25rem 0; padding: .6rem .8rem; border: 1px solid var(--bad); background: var(--bad-bg); color: var(--bad); border-radius: 8px; }
.empty { color: var(--muted); }
#https-toggle[aria-pressed=false] { background: var(--panel); color: var(--fg); border-color: var(--line); }
#https-toggle[aria-pressed=true] { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); }
.fingerprint { word-break: break-all; }
.https .grid-form .hint { display: block; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
[hidden] { display: none !important; }
`;
