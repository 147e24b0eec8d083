"""The HTML report's stylesheet and print script, inlined so the file is self-contained."""

CSS = """
:root { --ok:#1a7f37; --warn:#9a6700; --fail:#cf222e; --skip:#6e7781; --ink:#1f2328;
        --line:#d0d7de; --soft:#f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color: var(--ink); margin: 0 auto; max-width: 1040px; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 28px; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono",
            monospace; font-size: 13px; }
code { background: var(--soft); padding: 1px 4px; border-radius: 4px; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px;
      overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.verdict { font-size: 18px; font-weight: 600; padding: 10px 14px; border-radius: 6px;
           border-left: 6px solid; margin: 12px 0; }
.verdict.pass { border-color: var(--ok); background: #dafbe1; }
.verdict.warn, .verdict.incomplete { border-color: var(--warn); background: #fff8c5; }
.verdict.fail, .verdict.error { border-color: var(--fail); background: #ffebe9; }
.meta { color: #57606a; margin: 0; padding-left: 18px; }
.root { border: 2px solid var(--fail); border-radius: 8px; padding: 4px 16px 8px; }
.sym { display: inline-block; width: 1.4em; text-align: center; font-weight: 700; }
.s-pass { color: var(--ok); } .s-warn { color: var(--warn); }
.s-fail, .s-error { color: var(--fail); } .s-skip { color: var(--skip); }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { background: var(--soft); }
td.num { text-align: right; white-space: nowrap; }
details { border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; padding: 0 12px; }
details[open] { padding-bottom: 8px; }
summary { cursor: pointer; padding: 8px 0; font-weight: 600; }
summary .dur { color: #57606a; font-weight: 400; float: right; }
.finding { border-top: 1px dashed var(--line); padding-top: 6px; margin-top: 6px; }
dl.evidence { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0; }
dl.evidence dt { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px;
                 color: #57606a; }
dl.evidence dd { margin: 0; overflow-wrap: anywhere; }
.who { color: #57606a; font-style: italic; }
footer { color: #57606a; font-size: 12px; margin-top: 32px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  details { break-inside: avoid; border-color: #999; }
  summary { list-style: none; }
  summary::-webkit-details-marker { display: none; }
  pre { white-space: pre-wrap; border-color: #999; }
  .root { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""

# Printing a collapsed <details> would hide its content: open every one before printing.
PRINT_SCRIPT = """
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details").forEach(function (d) { d.open = true; });
});
"""
