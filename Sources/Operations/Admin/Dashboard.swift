/// The live dashboard served at `/`: one self-contained page (inline CSS and JS, no fonts or scripts from
/// elsewhere, since gateways run in closed networks) that polls `/status` every second.
enum Dashboard {
    /// Allows only this page's own inline code and requests to its own server.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:"

    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>DanCu Gateway</title>
        <style>
        :root { --bg:#f4f6f8; --card:#fff; --ink:#1d2733; --muted:#5d6b7a; --line:#dde3ea;
                --ok:#1e8e3e; --warn:#c77700; --bad:#c5221f; --accent:#1a73e8; }
        * { box-sizing: border-box; }
        body { margin:0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
               background:var(--bg); color:var(--ink); }
        header { display:flex; align-items:center; gap:12px; padding:10px 20px; background:#15202b; color:#fff; }
        header h1 { font-size:18px; margin:0 12px 0 0; font-weight:600; }
        header .spacer { flex:1; }
        header .meta { color:#b8c4d0; font-size:12px; }
        .pill { padding:2px 10px; border-radius:10px; font-size:12px; font-weight:600; background:#555; }
        .pill.ok { background:var(--ok); } .pill.warn { background:var(--warn); } .pill.bad { background:var(--bad); }
        main { padding:16px 20px; display:grid; gap:14px; grid-template-columns: repeat(12, 1fr); }
        .card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
        .card h2 { font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); margin:0 0 8px; }
        .tile { grid-column: span 2; }
        .tile .value { font-size:26px; font-weight:650; font-variant-numeric: tabular-nums; }
        .tile .sub { color:var(--muted); font-size:12px; }
        .wide { grid-column: span 8; } .narrow { grid-column: span 4; } .half { grid-column: span 6; }
        @media (max-width: 1100px) { .tile { grid-column: span 4; } .wide, .narrow, .half { grid-column: span 12; } }
        table { width:100%; border-collapse:collapse; font-variant-numeric: tabular-nums; }
        th, td { text-align:right; padding:4px 6px; border-bottom:1px solid var(--line); white-space:nowrap; }
        th:first-child, td:first-child { text-align:left; }
        th { color:var(--muted); font-weight:500; font-size:12px; }
        .scroll { max-height:360px; overflow:auto; }
        canvas { width:100%; height:120px; display:block; }
        .bar { height:14px; background:#e8edf2; border-radius:7px; overflow:hidden; display:flex; }
        .bar > div { height:100%; }
        .legend { display:flex; flex-wrap:wrap; gap:6px 14px; margin-top:8px; font-size:12px; }
        .legend span::before { content:""; display:inline-block; width:10px; height:10px; border-radius:2px;
                               margin-right:5px; background:var(--c); vertical-align:-1px; }
        .muted { color:var(--muted); }
        svg.spark { width:120px; height:22px; vertical-align:middle; }
        </style>
        </head>
        <body>
        <header>
          <h1>DanCu Gateway</h1>
          <span id="ready" class="pill">…</span>
          <span id="circuit" class="pill">…</span>
          <span id="mode" class="pill bad" hidden title="synthetic citizens, never the registry's answers">Môi trường phát triển: CSDLQG mô phỏng · development: simulated population database</span>
          <span class="spacer"></span>
          <span class="meta">uptime <span id="uptime">–</span> · <span id="updated">connecting…</span></span>
          <button id="language" type="button" class="pill" style="border:0;color:#fff;cursor:pointer">English</button>
        </header>
        <main>
          <section class="card tile"><h2>Published / s</h2><div class="value" id="published-rate">–</div>
            <div class="sub">consumed <span id="consumed-rate">–</span>/s</div></section>
          <section class="card tile"><h2>Latency p50 · p90 · p99</h2><div class="value" id="latency-p50">–</div>
            <div class="sub"><span id="latency-p90">–</span> · <span id="latency-p99">–</span> end to end</div></section>
          <section class="card tile"><h2>Cache hit ratio</h2><div class="value" id="cache-hit-ratio">–</div>
            <div class="sub"><span id="cache-entries">–</span> entries</div></section>
          <section class="card tile"><h2>Quota used</h2><div class="value" id="quota-used">–</div>
            <div class="sub">of this instance's <span id="quota-limit">–</span>/s share · national <span id="national-quota">–</span>/s · effective <span id="effective-rate">–</span>/s</div>
            <div class="bar" style="margin-top:6px"><div id="quota-bar" style="width:0;background:var(--accent)"></div></div></section>
          <section class="card tile"><h2>Consumer lag</h2><div class="value" id="consumer-lag">–</div>
            <div class="sub"><span id="partition-count">–</span> partitions</div></section>
          <section class="card tile"><h2>Totals</h2><div class="value" id="total-published">–</div>
            <div class="sub">published · <span id="dead-letters">–</span> dead letters · <span id="retries">–</span> retries</div></section>

          <section class="card wide"><h2>Outcomes published per second (last <span id="window">60</span> s)</h2>
            <canvas id="throughput-chart" width="900" height="120"></canvas></section>
          <section class="card narrow"><h2>Outcome mix (window)</h2>
            <div class="bar" id="outcome-bar"></div><div class="legend" id="outcome-legend"></div>
            <h2 style="margin-top:14px">Answered from</h2>
            <div class="bar" id="source-bar"></div><div class="legend" id="source-legend"></div></section>

          <section class="card wide"><h2>Throughput per province</h2><div class="scroll">
            <table><thead><tr><th>Province portal</th><th>Consumed/s</th><th>Published/s</th><th>Published</th><th>Last 60 s</th></tr></thead>
            <tbody id="portals"><tr><td class="muted" colspan="5">no traffic yet</td></tr></tbody></table></div></section>
          <section class="card narrow"><h2>Population database</h2>
            <table><tbody>
              <tr><td>Calls/s</td><td id="upstream-rate">–</td></tr>
              <tr><td>In flight</td><td id="in-flight">–</td></tr>
              <tr><td>Rationed (429) in window</td><td id="throttled">–</td></tr>
              <tr><td>Latency p50 · p99</td><td id="upstream-latency">–</td></tr>
            </tbody></table>
            <div class="bar" id="upstream-bar" style="margin-top:10px"></div><div class="legend" id="upstream-legend"></div>
            <h2 style="margin-top:14px">Queues</h2><div class="scroll" style="max-height:150px">
            <table><tbody id="queues"><tr><td class="muted">empty</td></tr></tbody></table></div></section>

          <section class="card half"><h2>Consumer lag per partition</h2><div class="scroll" style="max-height:220px">
            <table><thead><tr><th>Topic</th><th>Partition</th><th>Lag</th><th>Committed</th></tr></thead>
            <tbody id="partitions"><tr><td class="muted" colspan="4">no statistics yet</td></tr></tbody></table></div></section>
          <section class="card half"><h2>Dead letters by reason (since start)</h2>
            <table><tbody id="dead-letter-reasons"><tr><td class="muted">none</td></tr></tbody></table></section>
        </main>
        <script>
        "use strict";
        const colours = { verified:"#1e8e3e", found:"#34a853", not_verified:"#f29900", not_found:"#fbbc04",
          invalid_request:"#a142f4", forbidden:"#795548", expired:"#c5221f", unavailable:"#5f6368",
          "population-db":"#1a73e8", cache:"#12b5cb", gateway:"#9aa0a6",
          ok:"#1e8e3e", retriable:"#f29900", permanent:"#c5221f" };
        const $ = (id) => document.getElementById(id);
        const number = (value, digits = 0) => value == null ? "–"
          : Number(value).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
        const ms = (value) => value == null ? "–" : value < 1000 ? number(value, value < 10 ? 1 : 0) + " ms"
          : number(value / 1000, 2) + " s";
        const text = (id, value) => { $(id).textContent = value; };
        function escapeHTML(value) {
          return String(value).replace(/[&<>"']/g, (c) => ({ "&":"&amp;", "<":"&lt;", ">":"&gt;", '"':"&quot;", "'":"&#39;" })[c]);
        }
        function pill(id, label, level) { const el = $(id); el.textContent = label; el.className = "pill " + level; }
        function duration(seconds) {
          const s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
          return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
        }
        function stackedBar(barId, legendId, counts) {
          const entries = Object.entries(counts).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
          const total = entries.reduce((sum, [, n]) => sum + n, 0);
          $(barId).innerHTML = entries.map(([key, n]) =>
            `<div title="${escapeHTML(key)}" style="width:${(100 * n / total).toFixed(2)}%;background:${colours[key] || "#888"}"></div>`).join("");
          $(legendId).innerHTML = entries.length === 0 ? '<span class="muted" style="--c:transparent">none in window</span>'
            : entries.map(([key, n]) => `<span style="--c:${colours[key] || "#888"}">${escapeHTML(key)} ${number(n)} (${(100 * n / total).toFixed(0)}%)</span>`).join("");
        }
        function sparkline(series) {
          const max = Math.max(1, ...series), w = 120, h = 22, step = w / Math.max(1, series.length - 1);
          const points = series.map((v, i) => `${(i * step).toFixed(1)},${(h - 1 - (h - 2) * v / max).toFixed(1)}`).join(" ");
          return `<svg class="spark" viewBox="0 0 ${w} ${h}"><polyline fill="none" stroke="#1a73e8" stroke-width="1.5" points="${points}"/></svg>`;
        }
        function drawChart(series) {
          const canvas = $("throughput-chart"), ratio = window.devicePixelRatio || 1;
          const width = canvas.clientWidth || 900, height = canvas.clientHeight || 120;
          canvas.width = width * ratio; canvas.height = height * ratio;
          const ctx = canvas.getContext("2d"); ctx.scale(ratio, ratio); ctx.clearRect(0, 0, width, height);
          const max = Math.max(1, ...series), barWidth = width / series.length;
          ctx.fillStyle = "#1a73e8";
          series.forEach((value, i) => {
            const barHeight = (height - 16) * value / max;
            ctx.fillRect(i * barWidth + 1, height - barHeight, Math.max(1, barWidth - 2), barHeight);
          });
          ctx.fillStyle = "#5d6b7a"; ctx.font = "11px system-ui, sans-serif"; ctx.fillText(`max ${number(max)}/s`, 4, 11);
        }
        function render(s) {
          const health = s.health;
          pill("ready", health.ready ? "ready" : "not ready", health.ready ? "ok" : "bad");
          pill("circuit", "circuit " + health.circuitState.replace("_", "-"),
            { closed:"ok", half_open:"warn", open:"bad" }[health.circuitState] || "");
          text("uptime", duration(s.uptimeSeconds));
          text("updated", "updated " + new Date().toLocaleTimeString("en-GB"));
          text("window", s.windowSeconds);
          text("published-rate", number(s.throughput.publishedPerSecond, 1));
          text("consumed-rate", number(s.throughput.consumedPerSecond, 1));
          const e2e = s.latency.endToEnd, up = s.latency.upstream;
          text("latency-p50", ms(e2e && e2e.p50Milliseconds));
          text("latency-p90", ms(e2e && e2e.p90Milliseconds));
          text("latency-p99", ms(e2e && e2e.p99Milliseconds));
          text("cache-hit-ratio", s.cache.hitRatio == null ? "–" : (100 * s.cache.hitRatio).toFixed(1) + " %");
          text("cache-entries", number(s.cache.entries));
          text("quota-used", number(s.upstream.callsPerSecond, 1) + "/s");
          $("mode").hidden = s.mode !== "development";
          text("quota-limit", number(s.upstream.quotaShare, 0));
          text("national-quota", number(s.upstream.nationalQuota, 0));
          text("effective-rate", number(s.upstream.effectiveRate, 1));
          const used = s.upstream.quotaShare > 0 ? Math.min(1, s.upstream.callsPerSecond / s.upstream.quotaShare) : 0;
          $("quota-bar").style.width = (100 * used).toFixed(1) + "%";
          $("quota-bar").style.background = used > 0.95 ? "var(--bad)" : used > 0.8 ? "var(--warn)" : "var(--accent)";
          text("consumer-lag", number(s.kafka.totalLag));
          text("partition-count", number(s.kafka.partitions.length));
          text("total-published", number(s.totals.published));
          text("dead-letters", number(s.totals.deadLetters));
          text("retries", number(s.totals.retries));
          drawChart(s.throughput.publishedSeries);
          stackedBar("outcome-bar", "outcome-legend", s.outcomes);
          stackedBar("source-bar", "source-legend", s.sources);
          stackedBar("upstream-bar", "upstream-legend", s.upstream.outcomes);
          const portals = [...s.throughput.portals].sort((a, b) => b.publishedPerSecond - a.publishedPerSecond || a.name.localeCompare(b.name));
          $("portals").innerHTML = portals.length === 0 ? '<tr><td class="muted" colspan="5">no traffic yet</td></tr>'
            : portals.map((p) => `<tr data-portal="${escapeHTML(p.portal)}"><td>${escapeHTML(p.name)}</td><td>${number(p.consumedPerSecond, 1)}</td>` +
              `<td>${number(p.publishedPerSecond, 1)}</td><td>${number(p.publishedTotal)}</td><td>${sparkline(p.publishedSeries)}</td></tr>`).join("");
          text("upstream-rate", number(s.upstream.callsPerSecond, 1));
          text("in-flight", number(s.upstream.inFlight));
          text("throttled", number(s.upstream.throttled));
          text("upstream-latency", up ? `${ms(up.p50Milliseconds)} · ${ms(up.p99Milliseconds)}` : "–");
          const queues = s.upstream.queue.filter((q) => q.depth > 0).sort((a, b) => b.depth - a.depth);
          $("queues").innerHTML = queues.length === 0 ? '<tr><td class="muted">empty</td></tr>'
            : queues.map((q) => `<tr><td>${escapeHTML(q.portal)} · ${escapeHTML(q.channel)}</td><td>${number(q.depth)}</td></tr>`).join("");
          $("partitions").innerHTML = s.kafka.partitions.length === 0 ? '<tr><td class="muted" colspan="4">no statistics yet</td></tr>'
            : s.kafka.partitions.map((p) => `<tr><td>${escapeHTML(p.topic)}</td><td>${p.partition}</td><td>${number(p.lag)}</td><td>${number(p.committedOffset)}</td></tr>`).join("");
          const reasons = Object.entries(s.totals.deadLettersByReason).sort((a, b) => b[1] - a[1]);
          $("dead-letter-reasons").innerHTML = reasons.length === 0 ? '<tr><td class="muted">none</td></tr>'
            : reasons.map(([reason, n]) => `<tr><td>${escapeHTML(reason)}</td><td>${number(n)}</td></tr>`).join("");
        }
        async function refresh() {
          try {
            const response = await fetch("/status", { cache: "no-store" });
            if (!response.ok) throw new Error("HTTP " + response.status);
            render(await response.json());
          } catch (error) {
            text("updated", "disconnected: " + error.message);
            pill("ready", "no contact", "bad");
          } finally {
            setTimeout(refresh, 1000);
          }
        }
        // Officers read Vietnamese: the page's English texts are translated in place as they appear (the
        // dictionary keys are the texts above), and English stays one click away (?lang=en works too).
        const vietnamese = new Map([
          ["Published / s", "Kết quả đã gửi / giây"], ["consumed", "đã nhận"], ["Latency p50 · p90 · p99", "Độ trễ p50 · p90 · p99"],
          ["end to end", "đầu cuối"], ["Cache hit ratio", "Tỷ lệ trúng bộ nhớ đệm"], ["entries", "mục"],
          ["Quota used", "Hạn mức đã dùng"], ["of this instance's", "trên phần của phiên bản này:"],
          ["/s share · national", "/giây · toàn quốc"], ["/s · effective", "/giây · thực tế"], ["/s", "/giây"],
          ["Consumer lag", "Độ trễ tiêu thụ"], ["partitions", "phân vùng"], ["Totals", "Tổng cộng"],
          ["published ·", "đã gửi ·"], ["dead letters ·", "thông điệp lỗi ·"], ["retries", "lần thử lại"],
          ["Outcomes published per second (last", "Kết quả gửi mỗi giây (trong"], ["s)", "giây qua)"],
          ["Outcome mix (window)", "Tỷ lệ kết quả (trong cửa sổ)"], ["Answered from", "Nguồn trả lời"],
          ["Throughput per province", "Lưu lượng theo tỉnh"], ["Province portal", "Cổng tỉnh"], ["Consumed/s", "Nhận/giây"],
          ["Published/s", "Gửi/giây"], ["Published", "Đã gửi"], ["Last 60 s", "60 giây qua"], ["no traffic yet", "chưa có lưu lượng"],
          ["Population database", "CSDLQG về dân cư"], ["Calls/s", "Lượt gọi/giây"], ["In flight", "Đang xử lý"],
          ["Rationed (429) in window", "Bị hạn chế (429) trong cửa sổ"], ["Latency p50 · p99", "Độ trễ p50 · p99"],
          ["Queues", "Hàng đợi"], ["empty", "trống"], ["Consumer lag per partition", "Độ trễ tiêu thụ theo phân vùng"],
          ["Topic", "Chủ đề"], ["Partition", "Phân vùng"], ["Lag", "Độ trễ"], ["Committed", "Đã xác nhận"],
          ["no statistics yet", "chưa có số liệu"], ["Dead letters by reason (since start)", "Thông điệp lỗi theo lý do (từ khi khởi động)"],
          ["none", "không có"], ["none in window", "không có trong cửa sổ"], ["uptime", "thời gian chạy"],
          ["connecting…", "đang kết nối…"], ["ready", "sẵn sàng"], ["not ready", "chưa sẵn sàng"], ["no contact", "mất liên lạc"],
        ]);
        const circuitStates = { closed: "đóng", open: "mở", "half-open": "nửa mở" };
        const vietnamesePatterns = [
          [/^updated (.+)$/, (_, time) => "cập nhật " + time],
          [/^circuit (.+)$/, (_, state) => "mạch " + (circuitStates[state] || state)],
          [/^disconnected: (.+)$/, (_, why) => "mất kết nối: " + why],
        ];
        const params = new URLSearchParams(location.search);
        let language = params.get("lang") || localStorage.getItem("dancu-language") || "vi";
        /** Per text node: the English it was written with, and what it shows now. */
        const shown = new WeakMap();
        function inVietnamese(english) {
          const [, lead, core, trail] = english.match(/^(\s*)([\s\S]*?)(\s*)$/);
          if (vietnamese.has(core)) return lead + vietnamese.get(core) + trail;
          for (const [pattern, replace] of vietnamesePatterns) {
            if (pattern.test(core)) return lead + core.replace(pattern, replace) + trail;
          }
          return english;
        }
        function localise(node) {
          const tag = node.parentNode && node.parentNode.nodeName;
          if (tag === "SCRIPT" || tag === "STYLE" || (node.parentNode && node.parentNode.id === "language")) return;
          const known = shown.get(node);
          const english = known && known.text === node.nodeValue ? known.english : node.nodeValue;
          const text = language === "vi" ? inVietnamese(english) : english;
          shown.set(node, { english, text });
          if (node.nodeValue !== text) node.nodeValue = text;
        }
        function localiseAll(root) {
          if (root.nodeType === Node.TEXT_NODE) { localise(root); return; }
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) localise(walker.currentNode);
        }
        function applyLanguage() {
          document.documentElement.lang = language;
          $("language").textContent = language === "vi" ? "English" : "Tiếng Việt";
          localiseAll(document.body);
        }
        new MutationObserver((records) => records.forEach((record) =>
          record.type === "characterData" ? localise(record.target) : record.addedNodes.forEach(localiseAll)
        )).observe(document.body, { subtree: true, childList: true, characterData: true });
        $("language").addEventListener("click", () => {
          language = language === "vi" ? "en" : "vi";
          localStorage.setItem("dancu-language", language);
          applyLanguage();
        });
        applyLanguage();
        refresh();
        </script>
        </body>
        </html>
        """#
}
