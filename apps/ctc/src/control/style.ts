/**
 * The control page's style sheet: system fonts, light and dark schemes from the user's setting
 * (`prefers-color-scheme`), visible keyboard focus, tables that wrap long URLs instead of
 * scrolling a phone screen sideways. Inline in the page: no external asset to fetch.
 * @module
 */

/** The CSS of the control page. */
export const CONTROL_CSS = `
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1b1f24;--muted:#5b6470;--line:#d9dde3;
--accent:#0b63c5;--on:#127a3a;--on-bg:#e3f4e8;--off:#9a3412;--off-bg:#fdeee4;--block:#b42318;--code:#eef1f5}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1a1f26;--fg:#e6e9ee;--muted:#9aa4b2;--line:#2e3641;
--accent:#6cb2ff;--on:#5fd68a;--on-bg:#15301f;--off:#ffad7a;--off-bg:#3a2114;--block:#ff8a80;--code:#242b35}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:var(--card);padding:.5rem 1rem;z-index:1}
.skip:focus{left:.5rem;top:.5rem}
header,main,footer{max-width:68rem;margin:0 auto;padding:1rem 1.25rem}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between}
h1{margin:0;font-size:1.6rem;letter-spacing:-.01em}
h1 small{display:block;font-size:.95rem;font-weight:400;color:var(--muted)}
h2{font-size:1.15rem;margin:0 0 .75rem}
.state{display:flex;gap:.75rem;align-items:center;flex-wrap:wrap}
.badge{display:inline-flex;align-items:center;gap:.4rem;padding:.3rem .75rem;border-radius:999px;font-weight:600}
.badge::before{content:"";width:.6rem;height:.6rem;border-radius:50%;background:currentColor}
.badge.on{color:var(--on);background:var(--on-bg)}.badge.off{color:var(--off);background:var(--off-bg)}
button{font:inherit;font-weight:600;padding:.5rem 1rem;border-radius:.5rem;border:1px solid var(--line);background:var(--card);color:var(--fg);cursor:pointer}
button:hover{border-color:var(--accent)}
button.primary{background:var(--accent);border-color:var(--accent);color:var(--card)}
form{margin:0}
section{background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:1rem 1.25rem;margin:0 0 1rem}
.notice{border-left:4px solid var(--accent)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(8rem,1fr));gap:.75rem;margin:0}
.cards div{border:1px solid var(--line);border-radius:.5rem;padding:.6rem .8rem}
.cards dt{color:var(--muted);font-size:.85rem}.cards dd{margin:0;font-size:1.45rem;font-weight:650;font-variant-numeric:tabular-nums}
.grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,2fr);gap:1rem;margin:0 0 1rem}
.grid section{margin:0}
@media (max-width:48rem){.grid{grid-template-columns:minmax(0,1fr)}}
@media (max-width:30rem){header,main,footer{padding:.75rem}section{padding:.75rem}table{font-size:.85rem}th,td{padding:.35rem .3rem}.type{display:none}}
table{width:100%;border-collapse:collapse;font-size:.92rem}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.url{overflow-wrap:anywhere}
td.rule code,td.rule span[title]{overflow-wrap:anywhere}
code{font:.88em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--code);padding:.05rem .3rem;border-radius:.25rem;overflow-wrap:anywhere}
.blocked{color:var(--block);font-weight:600}.allowed{color:var(--on);font-weight:600}
.explain{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end}
.explain label{flex-basis:100%;font-weight:600}
.explain input{flex:1 1 16rem;min-width:0;font:inherit;padding:.45rem .6rem;border-radius:.5rem;border:1px solid var(--line);background:var(--bg);color:var(--fg)}
.lists-form{display:grid;gap:.4rem;margin:.75rem 0}
.lists-form label{font-weight:600}
.lists-form textarea{width:100%;font:.9em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:.45rem .6rem;border-radius:.5rem;border:1px solid var(--line);background:var(--bg);color:var(--fg)}
.lists-form button{justify-self:start}
.muted{color:var(--muted)}
.empty{color:var(--muted);font-style:italic;margin:0}
ul.lists{margin:0;padding-left:1.2rem}
footer{color:var(--muted);font-size:.85rem}
`;
