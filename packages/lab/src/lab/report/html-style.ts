/**
 * The stylesheet of report.html: one column at 1280×800 and up, readable type, text colours of
 * at least 4.5:1 and chart colours of at least 3:1 on their background (WCAG 1.4.3, 1.4.11), and
 * verdicts that say their name as well as showing their colour.
 */

/** CSS inlined into report.html after uPlot's own. */
export const REPORT_STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1248px; margin: 0 auto; padding: 12px 16px 32px; }
h1 { font-size: 21px; margin: 0 0 6px; display: flex; align-items: center; gap: 10px; }
h2 { font-size: 17px; margin: 20px 0 6px; padding-bottom: 3px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 8px 0 2px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.status { font-size: 12px; font-weight: 700; letter-spacing: .04em; padding: 2px 8px; border-radius: 4px; color: #fff; }
.status-valid { background: #1a7f37; }
.status-invalid { background: #b3261e; }
.invalid-banner { border: 3px solid #b3261e; background: #ffebe9; color: #5c0011; padding: 8px 12px; margin: 6px 0 8px; border-radius: 6px; }
.invalid-banner p { margin: 0 0 4px; font-size: 15px; }
.invalid-banner ul { margin: 0; padding-left: 20px; }
.facts { display: grid; grid-template-columns: auto auto 1fr; gap: 2px 28px; margin: 0; }
.facts .wide { grid-column: 1 / -1; }
.facts .span2 { grid-column: span 2; }
.facts div { display: flex; gap: 8px; min-width: 0; }
.facts dt { color: var(--muted); min-width: 64px; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.chips { list-style: none; display: flex; flex-wrap: wrap; gap: 4px; padding: 0; margin: 8px 0 0; }
.chip { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 12px; font-weight: 600; text-decoration: none; border: 1px solid transparent; }
.chip span { font-weight: 400; }
.v-holds { background: #dafbe1; color: #116329; border-color: #1a7f37; }
.v-not { background: #ffebe9; color: #a40e26; border-color: #cf222e; }
.v-depends { background: #fff8c5; color: #6c4a00; border-color: #9a6700; }
.v-inconclusive { background: #eaeef2; color: #424a53; border-color: #818b98; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); font-size: 12px; padding: 0 0 4px; caption-side: top; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; vertical-align: top; }
thead th { background: var(--bg-soft); font-size: 12px; text-align: left; font-weight: 600; }
.comparison td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.comparison td.text { text-align: left; }
.comparison thead th:not(:first-child) { text-align: right; }
.sub { display: block; color: var(--muted); font-size: 11px; font-weight: 400; }
.sub-inline, .uncorrected { color: var(--muted); font-size: 12px; font-weight: 400; }
.how { margin: 0 0 4px; color: var(--muted); }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 0; margin: 2px 0; font-size: 12px; }
.swatch { display: inline-block; width: 12px; height: 10px; margin-right: 5px; vertical-align: -1px; border-radius: 2px; }
.swatch.band { opacity: .5; outline: 1px solid var(--muted); }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.chart { margin: 0; min-width: 0; }
.chart figcaption { font-size: 12px; color: var(--muted); }
.plot { width: 100%; min-height: 170px; }
.uplot .u-legend { font-size: 12px; margin-top: 0; }
.uplot .u-legend .u-marker { width: 10px; height: 10px; }
.fault-band { position: absolute; top: 0; bottom: 0; border-left: 1px dashed; border-right: 1px dashed; pointer-events: none; }
.fault-band span { border-left: 3px solid; border-color: inherit; }
.fault-band.end span { left: auto; right: 0; border-left: 0; border-right: 3px solid; border-color: inherit; }
.fault-band span { position: absolute; top: 1px; left: 0; font-size: 10px; line-height: 1.1; color: var(--fg); background: rgba(255,255,255,.85); padding: 0 2px; white-space: nowrap; }
.bar-grid { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 16px; }
.bars { margin: 0; }
.bars figcaption { font-weight: 600; font-size: 13px; }
.bars .unit { color: var(--muted); font-weight: 400; }
.bars svg { display: block; max-width: 100%; height: auto; }
.bar-label { font-size: 11px; fill: var(--fg); }
.bar-value { font-size: 10px; fill: var(--fg); }
th[scope=row] { text-align: left; white-space: nowrap; }
#claims .claim-text { width: 27%; }
#claims .reason { width: 58%; }
.verdict { display: inline-block; padding: 1px 8px; border-radius: 4px; font-weight: 700; font-size: 12px; white-space: nowrap; border: 1px solid; }
details { margin-top: 4px; }
summary { cursor: pointer; color: var(--muted); font-size: 12px; }
table.figures { width: auto; margin-top: 4px; font-size: 12px; }
table.figures td { text-align: right; font-variant-numeric: tabular-nums; }
footer { margin-top: 20px; color: var(--muted); font-size: 12px; }
a { color: #0969da; }
a:focus-visible, summary:focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
`;
