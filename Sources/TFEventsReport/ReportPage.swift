/// The HTML document of a report: one self-contained file (inline CSS,
/// inline SVG, a small inline script for hover read-outs; nothing is
/// fetched), readable without the script and printable.
package enum ReportPage {
    /// The whole document.
    ///
    /// - Parameters:
    ///   - title: the page title (escaped here).
    ///   - body: the body's HTML, already escaped.
    ///   - chartData: the hover data (``HoverData/json(_:)``), or "" for none.
    package static func document(title: String, body: String, chartData: String) -> String {
        var html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        html += "<meta name=\"generator\" content=\"tfevents report\">\n"
        html += "<title>\(HTMLText.escape(title))</title>\n<style>\(css)</style>\n</head>\n<body>\n"
        html += body
        html += "\n<div id=\"tip\" hidden></div>\n"
        if !chartData.isEmpty {
            // The JSON escapes <, > and & (HTMLText.jsonString), so it
            // cannot close the element.
            html += "<script type=\"application/json\" id=\"chart-data\">\(chartData)</script>\n"
            html += "<script>\(script)</script>\n"
        }
        html += "</body>\n</html>\n"
        return html
    }

    /// The page's style sheet.
    package static let css = """
    :root{--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--bg:#f6f7f9;--card:#fff;--best:#c2410c;--export:#7c3aed;\
    --bad:#dc2626;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;\
    color:var(--fg);background:var(--bg)}
    body{margin:0;padding:24px 28px 40px;font-size:14px;line-height:1.45}
    header{margin-bottom:18px}
    h1{font-size:22px;margin:0 0 4px;font-weight:650;letter-spacing:-.01em}
    h2{font-size:17px;margin:28px 0 10px;font-weight:650}
    h2 .sub{font-weight:400;color:var(--muted);font-size:13px;margin-left:8px}
    h3{font-size:14px;margin:0;font-weight:600;overflow-wrap:anywhere}
    .path{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;color:var(--muted);\
    overflow-wrap:anywhere}
    .meta{color:var(--muted);font-size:12.5px}
    .facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:14px}
    .panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;min-width:0}
    .panel h2{margin:0 0 8px;font-size:14.5px}
    .headline{font-size:20px;font-weight:650;margin:2px 0 6px}
    .headline .metric{color:var(--best)}
    table{border-collapse:collapse;width:100%;font-size:13px}
    th,td{text-align:left;padding:4px 8px 4px 0;border-bottom:1px solid var(--line);vertical-align:top}
    th{font-weight:600;color:var(--muted);font-size:12px}
    td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;padding-right:0;padding-left:10px;white-space:nowrap}
    tr.hl td{font-weight:650;color:var(--best)}
    .scroll{overflow-x:auto}
    .tag{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
    .note{color:var(--muted);font-size:12px}
    .warn{color:var(--bad)}
    .badge{display:inline-block;font-size:11px;font-weight:600;padding:0 6px;border-radius:9px;margin-left:4px;\
    background:#fff7ed;color:var(--best);border:1px solid #fed7aa}
    .badge.export{background:#f5f3ff;color:var(--export);border-color:#ddd6fe}
    .badge.gone{background:#f3f4f6;color:var(--muted);border-color:var(--line)}
    .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:14px}
    figure.card{margin:0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 12px 6px;\
    break-inside:avoid;min-width:0}
    figure.card figcaption{display:flex;flex-wrap:wrap;align-items:baseline;gap:2px 10px;margin:0 4px 4px}
    .stats{color:var(--muted);font-size:12px}
    svg.chart{display:block;width:100%;height:auto;overflow:visible;font-size:11px}
    svg.chart .plot{fill:#fff}
    svg.chart .grid line{stroke:#eef0f3;stroke-width:1}
    svg.chart .ticks text{fill:var(--muted);font-variant-numeric:tabular-nums}
    svg.chart .ticks.y text{text-anchor:end}
    svg.chart .ticks.x text{text-anchor:middle}
    svg.chart .series path{fill:none;stroke:var(--series);stroke-width:1.7;stroke-linejoin:round;stroke-linecap:round}
    svg.chart .series path.faint{stroke-opacity:.28;stroke-width:1.2}
    svg.chart .series path.smoothed{stroke-width:2}
    svg.chart .dots circle{fill:var(--series);stroke:#fff;stroke-width:1}
    svg.chart .gap path,svg.chart .gap circle{fill:var(--bad);stroke:#fff;stroke-width:.8}
    svg.chart .gap.nonPositive circle{fill:var(--muted)}
    svg.chart .marker.best line{stroke:var(--best);stroke-width:1.5}
    svg.chart .marker.best text{fill:var(--best);font-weight:650;paint-order:stroke;stroke:#fff;stroke-width:3px;\
    stroke-linejoin:round}
    svg.chart .marker.best circle{fill:#fff;stroke:var(--best);stroke-width:2.2}
    svg.chart .marker.export line{stroke:var(--export);stroke-width:1.2;stroke-dasharray:4 3}
    svg.chart .marker.export path{fill:var(--export)}
    svg.chart .marker.checkpoint path{fill:#9ca3af}
    svg.chart .cursor{stroke:#374151;stroke-width:1;stroke-dasharray:2 2;pointer-events:none}
    svg.chart .hover{fill:transparent;cursor:crosshair}
    svg.chart.dim .series{opacity:.15}
    svg.chart.dim .series.on{opacity:1}
    .legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:6px 0 12px;font-size:12.5px;align-items:center}
    .legend .key{display:inline-flex;align-items:center;gap:6px;cursor:default;overflow-wrap:anywhere}
    td .key{display:inline-flex;align-items:center;gap:6px;white-space:nowrap}
    .swatch{display:inline-block;width:16px;height:3px;border-radius:2px;background:var(--series)}
    .sym{display:inline-block;min-width:14px;text-align:center;white-space:nowrap}
    .sym.best{color:var(--best);font-weight:700}.sym.export{color:var(--export)}.sym.ckpt{color:#9ca3af}\
    .sym.bad{color:var(--bad)}
    #tip{position:absolute;z-index:10;pointer-events:none;background:rgba(17,24,39,.94);color:#f9fafb;\
    font-size:12px;line-height:1.35;padding:7px 9px;border-radius:7px;max-width:420px;\
    box-shadow:0 4px 14px rgba(0,0,0,.18);font-variant-numeric:tabular-nums}
    #tip .row{display:flex;gap:8px;align-items:center;white-space:nowrap}
    #tip .row span:nth-child(2){overflow:hidden;text-overflow:ellipsis;flex:1}
    #tip .dot{width:8px;height:8px;border-radius:50%;background:var(--series)}
    #tip .step{font-weight:650;margin-bottom:3px}
    figure.pc{margin:0 0 14px}
    svg.parallel{display:block;width:100%;height:auto;font-size:11px;overflow:visible}
    svg.parallel .axes line{stroke:#9ca3af;stroke-width:1}
    svg.parallel .axes text{fill:var(--muted);paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
    svg.parallel .axes text.title{fill:var(--fg);font-weight:600}
    svg.parallel polyline{fill:none;stroke:var(--series);stroke-width:1.6;stroke-opacity:.75}
    svg.parallel polyline.best{stroke:var(--best);stroke-width:3.5;stroke-opacity:1}
    svg.parallel polyline:hover{stroke-width:4;stroke-opacity:1}
    footer{margin-top:28px;color:var(--muted);font-size:12px}
    @media print{body{background:#fff;padding:0}.charts{grid-template-columns:1fr 1fr}#tip{display:none}}
    """

    /// The hover script: a read-out of the nearest step's values, and the
    /// legend highlighting a run. Names are put in with `textContent`.
    package static let script = """
    (function(){'use strict';
    var data=JSON.parse(document.getElementById('chart-data').textContent),tip=document.getElementById('tip');
    function fmt(v){if(v===null)return 'NaN/Inf';var a=Math.abs(v);if(a!==0&&(a<1e-3||a>=1e7))return v.toExponential(4);
    return String(+v.toPrecision(6));}
    function el(t,c,x){var e=document.createElement(t);if(c)e.className=c;if(x!==undefined)e.textContent=x;return e;}
    document.querySelectorAll('svg.chart').forEach(function(svg){
    var c=data[+svg.getAttribute('data-chart')];if(!c)return;
    var hover=svg.querySelector('rect.hover'),cursor=svg.querySelector('line.cursor');
    function px(s){return c.x[0]+(s-c.d[0])/(c.d[1]-c.d[0]||1)*(c.x[1]-c.x[0]);}
    hover.addEventListener('mousemove',function(ev){
    var pt=svg.createSVGPoint();pt.x=ev.clientX;pt.y=ev.clientY;var p=pt.matrixTransform(svg.getScreenCTM().inverse());
    var step=c.d[0]+(p.x-c.x[0])/(c.x[1]-c.x[0])*(c.d[1]-c.d[0]),near=null,rows=[];
    c.s.forEach(function(s){var lo=0,hi=s.p.length-1;if(hi<0)return;
    while(lo<hi){var m=(lo+hi)>>1;if(s.p[m][0]<step)lo=m+1;else hi=m;}
    if(lo>0&&Math.abs(s.p[lo-1][0]-step)<=Math.abs(s.p[lo][0]-step))lo--;
    var q=s.p[lo];rows.push([s,q,s.m?s.m[lo]:undefined]);if(near===null||Math.abs(q[0]-step)<Math.abs(near-step))near=q[0];});
    if(near===null)return;
    var x=px(near);cursor.setAttribute('x1',x);cursor.setAttribute('x2',x);cursor.setAttribute('visibility','visible');
    tip.textContent='';tip.appendChild(el('div','step','step '+near.toLocaleString('en-US')));
    rows.forEach(function(r){var s=r[0],q=r[1],row=el('div','row'),d=el('span','dot');d.style.setProperty('--series',s.c);
    row.appendChild(d);row.appendChild(el('span','',s.n));
    var t=fmt(q[1]);if(q.length>2)t+='  ['+fmt(q[2])+' … '+fmt(q[3])+', '+q[4]+' pts]';
    if(r[2]!==undefined&&r[2]!==null)t+='  ~'+fmt(r[2]);if(q[0]!==near)t+='  @'+q[0];
    row.appendChild(el('span','',t));tip.appendChild(row);});
    tip.hidden=false;var w=tip.offsetWidth,left=ev.pageX+14;
    if(left+w>document.documentElement.scrollWidth-8)left=ev.pageX-w-14;
    tip.style.left=left+'px';tip.style.top=(ev.pageY+14)+'px';});
    hover.addEventListener('mouseleave',function(){tip.hidden=true;cursor.setAttribute('visibility','hidden');});});
    document.querySelectorAll('.legend .key[data-series]').forEach(function(k){var n=k.getAttribute('data-series');
    k.addEventListener('mouseenter',function(){document.querySelectorAll('svg.chart').forEach(function(svg){
    var any=false;svg.querySelectorAll('g.series').forEach(function(g){var on=g.getAttribute('data-series')===n;
    g.classList.toggle('on',on);any=any||on;});if(any)svg.classList.add('dim');});});
    k.addEventListener('mouseleave',function(){document.querySelectorAll('svg.chart.dim').forEach(function(svg){
    svg.classList.remove('dim');});});});
    })();
    """
}
