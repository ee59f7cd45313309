package dev.smda.report;

import dev.smda.analysis.CategoryGap;
import dev.smda.analysis.FeatureContribution;
import dev.smda.analysis.GroupComparison;
import dev.smda.analysis.Interference;
import dev.smda.analysis.PairSummary;
import dev.smda.data.SftPair;
import dev.smda.io.AtomicFiles;
import dev.smda.io.Json;
import dev.smda.policy.PolicyText;
import dev.smda.sae.FeatureAtlas;
import dev.smda.validate.ValidationResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * report.html: one self-contained page (inline CSS, inline SVG charts, a little inline script; no
 * network) that shows a run: summary, the symbolic policy with each feature's contexts and promoted
 * tokens, category gaps, the pairs' pathways as a heatmap, harmful against harmless pairs, the
 * interference ranking, and a sortable, filterable table of every pair that every chart links to.
 */
public final class HtmlReport {

    public static final String FILE = "report.html";
    static final int TOP_FEATURES = 20;
    static final int GROUP_FEATURES = 12;
    static final int INTERFERENCE_ROWS = 30;

    private HtmlReport() {}

    public static Path write(Path runDir) throws IOException {
        RunData d = RunData.load(runDir, TOP_FEATURES);
        Path file = runDir.resolve(FILE);
        AtomicFiles.writeString(file, render(d));
        return file;
    }

    static String render(RunData d) {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>SMDA report: ").append(Html.escape(d.dir.getFileName().toString())).append("</title><style>").append(CSS).append("</style></head><body>");
        h.append("<header><h1>Symbolic Mechanistic Data Attribution</h1><p class=\"muted\">").append(Html.escape(d.dir.toAbsolutePath().toString()))
                .append("</p><nav><a href=\"#summary\">Summary</a><a href=\"#policy\">Policy</a><a href=\"#gaps\">Category gaps</a>")
                .append("<a href=\"#pathways\">Pathways</a><a href=\"#groups\">Harmful vs harmless</a><a href=\"#interference\">Interference</a>")
                .append("<a href=\"#pairs\">All pairs</a>").append(d.validation != null ? "<a href=\"#validation\">Validation</a>" : "").append("</nav></header><main>");
        summary(h, d);
        policy(h, d);
        gaps(h, d);
        pathways(h, d);
        groups(h, d);
        interference(h, d);
        pairsTable(h, d);
        validation(h, d);
        h.append("</main><script>").append(SCRIPT).append("</script></body></html>\n");
        return h.toString();
    }

    private static void summary(StringBuilder h, RunData d) {
        var m = d.manifest;
        var c = m.config();
        h.append("<section id=\"summary\"><h2>Summary</h2><table class=\"kv\">");
        row(h, "model", m.inputs().get("model").path());
        row(h, "SAE", m.inputs().get("sae").path());
        row(h, "probes", m.probes() + " (" + m.inputs().get("probes").path() + ")");
        row(h, "SFT pairs", m.pairs() + " (" + m.inputs().get("pairs").path() + ")");
        row(h, "policy features", String.valueOf(m.features()));
        row(h, "settings", String.format(Locale.ROOT, "preset %s; y = %s of the refusal openings; features at %s, %s encoding; ridge %s intercept, %s, \u03bb %s; "
                        + "per pair %s %s lr %s \u00d7 %d; \u0394X %s", c.preset(), c.behaviour().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                c.pooling().name().toLowerCase(Locale.ROOT), c.encoding().name().toLowerCase(Locale.ROOT).replace('_', '-'), c.fitIntercept() ? "with" : "without",
                c.standardize() ? "standardised" : "raw features", c.lambda() == null ? "by " + c.lambdaCriterion().name().toLowerCase(Locale.ROOT) : c.lambda(),
                c.update().optimizer().name().toLowerCase(Locale.ROOT), c.update().mode().name().toLowerCase(Locale.ROOT), c.update().learningRate(),
                c.update().steps(), c.featureChange().name().toLowerCase(Locale.ROOT)));
        row(h, "time", String.format(Locale.ROOT, "%.0f s (started %s)", m.seconds(), m.started()));
        row(h, "policy R\u00b2", String.format(Locale.ROOT, "%.3f in sample, %.3f cross-validated (leave-one-out), \u03bb = %.3g", d.policy.r2(), d.policy.cvR2(),
                d.policy.lambda()));
        row(h, "versions", String.join(", ", m.versions().values()));
        h.append("</table><details><summary>Every setting (run.json)</summary><pre>").append(Html.escape(Json.pretty(m.config()))).append("</pre></details></section>");
    }

    private static void row(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(Html.escape(k)).append("</th><td>").append(Html.escape(v)).append("</td></tr>");
    }

    private static void policy(StringBuilder h, RunData d) {
        h.append("<section id=\"policy\"><h2>The symbolic policy</h2><p class=\"formula\">").append(Html.escape(d.policyText)).append("</p>");
        h.append(Charts.svg(Charts.policyCoefficients(d), "chart-policy", "Coefficients of the policy's largest features"));
        h.append("<h3>Its largest features</h3><p class=\"muted\">Open a feature for the contexts where it fires hardest (the activating token marked) and the tokens its decoder direction promotes.</p>");
        Set<Integer> listed = new LinkedHashSet<>();
        for (PolicyText.Term t : PolicyText.topTerms(d.policy, TOP_FEATURES)) {
            listed.add(t.feature());
            feature(h, d, t.feature());
        }
        Set<Integer> others = new TreeSet<>(referencedFeatures(d));
        others.removeAll(listed);
        if (!others.isEmpty()) {
            h.append("<h3>Other features the report refers to</h3><p class=\"muted\">Smaller terms of the policy that drive a category gap, ")
                    .append("separate harmful from harmless pairs, or carry a pair's dominant change.</p>");
            others.forEach(id -> feature(h, d, id));
        }
        h.append("</section>");
    }

    /** Every feature a chart or table below links to, so that each link has its entry. */
    private static Set<Integer> referencedFeatures(RunData d) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (CategoryGap g : d.analysis.gaps()) {
            g.drivers().forEach(f -> ids.add(f.feature()));
        }
        Charts.groupsShown(d.analysis.harmfulVsHarmless(), GROUP_FEATURES).forEach(g -> ids.add(g.feature()));
        d.analysis.interference().stream().limit(INTERFERENCE_ROWS).forEach(e -> ids.add(e.dominantFeature()));
        return ids;
    }

    private static void feature(StringBuilder h, RunData d, int id) {
        double coefficient = d.coefficient(id);
        FeatureAtlas.Feature f = d.atlas == null ? null : d.atlas.byId().get(id);
        h.append("<details class=\"feature\" id=\"").append(Html.anchor("feature", String.valueOf(id))).append("\"><summary><span class=\"coef ")
                .append(coefficient >= 0 ? "pos" : "neg").append("\">").append(String.format(Locale.ROOT, "%+.4f", coefficient))
                .append("</span> feature ").append(id).append(" <b>").append(Html.escape(d.label(id))).append("</b></summary>");
        if (f == null) {
            h.append("<p class=\"muted\">No explanation: the SAE has no features.json (run <code>smda sae features</code>).</p>");
        } else {
            h.append(String.format(Locale.ROOT, "<p class=\"muted\">fires on %.2f%% of tokens, max %.2f, mean %.2f when firing</p><ol class=\"contexts\">",
                    100 * f.frequency(), f.maxActivation(), f.meanActivation()));
            for (FeatureAtlas.Context c : f.topContexts()) {
                h.append("<li><span class=\"act\">").append(String.format(Locale.ROOT, "%.2f", c.activation())).append("</span> ");
                for (int i = 0; i < c.tokens().size(); i++) {
                    String tok = Html.escape(c.tokens().get(i)).replace("\n", "\u23ce");
                    h.append(i == c.index() ? "<mark>" + tok + "</mark>" : tok);
                }
                h.append("</li>");
            }
            h.append("</ol><p>promotes: ");
            f.promotedTokens().forEach(e -> h.append("<code>").append(Html.escape(e.token()).replace("\n", "\u23ce")).append("</code> "));
            h.append("</p>");
        }
        h.append("</details>");
    }

    private static void gaps(StringBuilder h, RunData d) {
        h.append("<section id=\"gaps\"><h2>Category gaps</h2><p class=\"muted\">The base model's refusal per category beside the policy's prediction. ")
                .append("A harmful category refused on fewer than half its probes is flagged (\u26a0), with the features that lower its predicted refusal most.</p>");
        h.append(Charts.svg(Charts.categoryGaps(d), "chart-gaps", "Refusal rate and predicted refusal per category"));
        h.append("<table class=\"data\"><thead><tr><th>category</th><th>harmful</th><th>probes</th><th>refused</th><th>mean p</th><th>predicted</th>")
                .append("<th>features driving the prediction</th></tr></thead><tbody>");
        for (CategoryGap g : d.analysis.gaps()) {
            h.append("<tr id=\"").append(Html.anchor("gap", g.category())).append("\"").append(g.flagged() ? " class=\"flagged\"" : "").append("><td>")
                    .append(g.flagged() ? "\u26a0 " : "").append(Html.escape(g.category())).append("</td><td>").append(g.harmful() ? "yes" : "no").append("</td><td>")
                    .append(g.probes()).append(String.format(Locale.ROOT, "</td><td>%.0f%%</td><td>%.3f</td><td>%.3f</td><td>", 100 * g.refusalRate(),
                            g.meanRefusalProbability(), g.predictedRefusalProbability()));
            for (FeatureContribution f : g.drivers()) {
                h.append("<a href=\"#").append(Html.anchor("feature", String.valueOf(f.feature()))).append("\">f").append(f.feature()).append("</a> ")
                        .append(Html.escape(f.label())).append(String.format(Locale.ROOT, " (%+.2f); ", f.contribution()));
            }
            if (g.flagged()) {
                h.append("<p class=\"evidence\">").append(Html.escape(g.evidence())).append("</p>");
            }
            h.append("</td></tr>");
        }
        h.append("</tbody></table></section>");
    }

    private static void pathways(StringBuilder h, RunData d) {
        h.append("<section id=\"pathways\"><h2>How each pair moved the policy</h2><p class=\"muted\">Rows are pairs, columns the policy's ")
                .append(d.topColumns.length).append(" largest features; red raises the coefficient, blue lowers it. Click a cell for its pair.</p>")
                .append("<div class=\"switch\" role=\"tablist\">");
        for (String p : RunData.PATHWAYS) {
            h.append("<button type=\"button\" data-pathway=\"").append(p).append("\"").append(p.equals("delta") ? " class=\"on\"" : "").append(">")
                    .append(Charts.name(p)).append("</button>");
        }
        h.append("</div>");
        for (String p : RunData.PATHWAYS) {
            h.append("<div class=\"heatmap\" data-pathway=\"").append(p).append("\"").append(p.equals("delta") ? "" : " hidden").append(">")
                    .append(Charts.svg(Charts.heatmap(d, p), "chart-heatmap-" + p, "Heatmap of " + Charts.name(p))).append("</div>");
        }
        h.append("</section>");
    }

    private static void groups(StringBuilder h, RunData d) {
        List<GroupComparison.FeatureGroups> groups = d.analysis.harmfulVsHarmless();
        h.append("<section id=\"groups\"><h2>Harmful against harmless pairs</h2>");
        if (groups.isEmpty()) {
            h.append("<p>The pairs are all of one kind.</p></section>");
            return;
        }
        h.append("<p class=\"muted\">Per feature, the mean \u0394X and \u0394Y pathway parts of each group with 95% bootstrap intervals; the features where the groups differ most.</p>");
        h.append(Charts.svg(Charts.groupComparison(groups, d, GROUP_FEATURES), "chart-groups", "Harmful and harmless pairs per feature and pathway"));
        h.append("</section>");
    }

    private static void interference(StringBuilder h, RunData d) {
        long flagged = d.analysis.interference().stream().filter(Interference.Entry::flagged).count();
        h.append("<section id=\"interference\"><h2>Interference</h2><p class=\"muted\">").append(flagged)
                .append(" pairs flagged: each ").append(Html.escape(d.manifest.config().flaggedMeans())).append(".</p>");
        h.append(Charts.svg(Charts.interference(d, INTERFERENCE_ROWS), "chart-interference", "Interference ranking"));
        h.append("<table class=\"data\"><thead><tr><th>rank</th><th>pair</th><th>says</th><th>prompt</th><th>dominant feature</th><th>change</th>")
                .append("<th>off target</th><th>mostly on</th></tr></thead><tbody>");
        int rank = 0;
        for (Interference.Entry e : d.analysis.interference()) {
            if (++rank > INTERFERENCE_ROWS) {
                break;
            }
            SftPair p = d.pairs.get(e.pair());
            h.append("<tr").append(e.flagged() ? " class=\"flagged\"" : "").append("><td>").append(rank).append("</td><td><a href=\"#")
                    .append(Html.anchor("pair", e.pair())).append("\">").append(Html.escape(e.pair())).append("</a></td><td>").append(Html.escape(e.category()))
                    .append("</td><td>").append(p == null ? "" : Html.escape(Charts.shorten(p.prompt(), 90))).append("</td><td><a href=\"#")
                    .append(Html.anchor("feature", String.valueOf(e.dominantFeature()))).append("\">f").append(e.dominantFeature()).append("</a> ")
                    .append(Html.escape(e.dominantLabel())).append(String.format(Locale.ROOT, "</td><td>%.4g</td><td>%.0f%%</td><td>", e.dominantChange(),
                            100 * e.offTargetShare())).append(Html.escape(e.mostAffectedCategory())).append("</td></tr>");
        }
        h.append("</tbody></table></section>");
    }

    /** Characters of a pair's prompt and response the table keeps (pairs.jsonl has them whole). */
    static final int TABLE_TEXT = 160;
    static final int PAGE_ROWS = 100;

    /**
     * Every pair in a table a script draws a page at a time from data embedded in the page, so it
     * stays fast for any number of pairs: filter by any text (the pair id too), sort by a column,
     * page through, and a link to a pair shows its page.
     */
    private static void pairsTable(StringBuilder h, RunData d) {
        Map<String, Interference.Entry> byPair = new HashMap<>();
        for (Interference.Entry e : d.analysis.interference()) {
            byPair.put(e.pair(), e);
        }
        h.append("<section id=\"pairs\"><h2>All pairs</h2><p><input type=\"search\" id=\"pair-filter\" placeholder=\"Filter pairs (any text, a pair id)\" aria-label=\"Filter pairs\"> ")
                .append("<span id=\"pair-count\" class=\"muted\"></span> <span class=\"pager\"><button type=\"button\" id=\"pair-prev\">\u2190</button> ")
                .append("<span id=\"pair-page\"></span> <button type=\"button\" id=\"pair-next\">\u2192</button></span></p>")
                .append("<div class=\"scroll\"><table class=\"data sortable\" id=\"pair-table\" data-page-rows=\"").append(PAGE_ROWS).append("\"><thead><tr>");
        String[] heads = {"pair", "category", "harmful", "prompt", "response", "base loss", "mean \u0394y", "|\u0394\u03b2|", "\u0394X share", "score \u0394\u03b2\u00b7\u03b2",
            "interference", "flagged"};
        String[] types = {"text", "text", "text", "long", "long", "num", "num", "num", "num", "num", "num", "text"};
        for (int i = 0; i < heads.length; i++) {
            h.append("<th data-type=\"").append(types[i]).append("\" tabindex=\"0\">").append(heads[i]).append("</th>");
        }
        h.append("</tr></thead><tbody></tbody></table></div>");
        List<List<Object>> rows = new java.util.ArrayList<>();
        for (PairSummary s : d.analysis.pairs()) {
            SftPair p = d.pairs.get(s.pair());
            Interference.Entry e = byPair.get(s.pair());
            rows.add(java.util.Arrays.asList(s.pair(), s.category(), s.harmful() ? "harmful" : "harmless", p == null ? "" : Charts.shorten(p.prompt(), TABLE_TEXT),
                    p == null ? "" : Charts.shorten(p.response(), TABLE_TEXT), s.baseLoss(), s.meanDy(), s.totalChange(), s.dxShare(), s.score(),
                    e == null ? 0 : e.score(), e != null && e.flagged() ? "\u26a0 yes" : ""));
        }
        try {
            h.append("<script type=\"application/json\" id=\"pair-data\">").append(Json.MAPPER.writeValueAsString(rows).replace("</", "<\\/")).append("</script>");
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
        h.append("</section>");
    }

    private static void validation(StringBuilder h, RunData d) {
        ValidationResult v = d.validation;
        if (v == null) {
            return;
        }
        h.append("<section id=\"validation\"><h2>Is the attribution right?</h2><p class=\"muted\">").append(Html.escape(ValidationCharts.introduction(v)))
                .append("</p>");
        h.append(Charts.svg(ValidationCharts.lds(v), "chart-lds", "LDS of every method beside the noise ceiling"));
        ValidationCharts.table(h, v);
        if (d.coefficientFidelity != null) {
            ValidationCharts.coefficients(h, d.coefficientFidelity, d.policy, d.topColumns);
        }
        if (v.removal() != null) {
            h.append("<h3>Removal curves</h3><p class=\"muted\">").append(Html.escape(ValidationCharts.removalIntroduction(v.removal()))).append("</p>");
            h.append(Charts.svg(ValidationCharts.removal(v), "chart-removal", "Removal curves"));
        }
        if (!v.interference().isEmpty()) {
            h.append("<h3>Interference against the planted truth</h3><table class=\"data\"><thead><tr><th>ranking</th><th>precision at ")
                    .append(v.interference().getFirst().planted()).append("</th><th>average precision</th><th>surprise pairs in the top</th><th>flagged</th></tr></thead><tbody>");
            for (ValidationResult.InterferenceScore s : v.interference()) {
                h.append("<tr><td>").append(Html.escape(s.ranking())).append(String.format(Locale.ROOT, "</td><td>%.2f</td><td>%.2f</td><td>%d</td><td>",
                        s.precisionAtPlanted(), s.averagePrecision(), s.surprisesInTop())).append(s.flaggedText()).append("</td></tr>");
            }
            h.append("</tbody></table>");
        }
        h.append("</section>");
    }

    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#222;background:#fafafa}
            header{background:#1f2937;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}header .muted{color:#cbd5e1}
            nav a{color:#93c5fd;margin-right:16px;text-decoration:none}main{max-width:1100px;margin:0 auto;padding:8px 24px 60px}
            section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 20px;margin:18px 0}h2{margin-top:6px}
            .muted{color:#6b7280}.formula{font-family:ui-monospace,monospace;background:#f3f4f6;padding:8px;border-radius:6px;overflow-x:auto}
            table{border-collapse:collapse;width:100%;margin:10px 0}th,td{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}
            table.kv th{width:160px;color:#374151}table.data th{background:#f9fafb;position:sticky;top:0}
            th[data-type]{cursor:pointer}th.asc::after{content:' \\25b2'}th.desc::after{content:' \\25bc'}
            tr.flagged td:first-child{border-left:3px solid #b2182b}tr:target{background:#fff3bf}
            .coef{font-family:ui-monospace,monospace;display:inline-block;width:80px}.pos{color:#b2182b}.neg{color:#2166ac}
            details.feature{border-bottom:1px solid #eee;padding:4px 0}details.feature:target{background:#fff3bf}
            ol.contexts li{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;margin:2px 0}mark{background:#fde68a;font-weight:bold}
            .act{color:#6b7280}.evidence{color:#7f1d1d;margin:4px 0}svg.chart{max-width:100%;height:auto;display:block;margin:8px 0}
            .scroll{overflow-x:auto}td.short,table.data td a{white-space:nowrap}
            .clip{display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden;min-width:220px;max-width:340px}
            .switch button{border:1px solid #9ca3af;background:#fff;padding:4px 12px;margin-right:6px;border-radius:4px;cursor:pointer}
            .switch button.on{background:#1f2937;color:#fff}input[type=search]{padding:4px 8px;width:320px}tr.target{background:#fff3bf}
            .pager button{border:1px solid #9ca3af;background:#fff;border-radius:4px;cursor:pointer}
            """;

    private static final String SCRIPT = """
            (function(){
              document.querySelectorAll('.switch button').forEach(function(b){b.addEventListener('click',function(){
                document.querySelectorAll('.switch button').forEach(function(x){x.classList.toggle('on',x===b);});
                document.querySelectorAll('.heatmap').forEach(function(m){m.hidden=m.dataset.pathway!==b.dataset.pathway;});});});
              var table=document.getElementById('pair-table'),body=table.tBodies[0],heads=table.tHead.rows[0].cells;
              var data=JSON.parse(document.getElementById('pair-data').textContent),size=parseInt(table.dataset.pageRows,10);
              var text=data.map(function(r){return r.join(' ').toLowerCase();});
              var view=data.map(function(r,i){return i;}),page=0,sortCol=-1,asc=true,marked=null;
              var count=document.getElementById('pair-count'),pageText=document.getElementById('pair-page'),filter=document.getElementById('pair-filter');
              function apply(){var q=filter.value.toLowerCase();
                view=[];for(var i=0;i<data.length;i++){if(q===''||text[i].indexOf(q)>=0){view.push(i);}}
                if(sortCol>=0){var num=heads[sortCol].dataset.type==='num';view.sort(function(a,b){var x=data[a][sortCol],y=data[b][sortCol];
                  var d=num?x-y:String(x).localeCompare(String(y));return asc?d:-d;});}}
              function cell(tr,v,type){var td=tr.insertCell();
                if(type==='num'){td.className='short';td.dataset.value=v;td.textContent=Number(v).toPrecision(4);}
                else if(type==='long'){var div=document.createElement('div');div.className='clip';div.title=v;div.textContent=v;td.appendChild(div);}
                else{td.className='short';td.textContent=v;}}
              function render(){var pages=Math.max(1,Math.ceil(view.length/size));page=Math.min(page,pages-1);body.textContent='';
                view.slice(page*size,(page+1)*size).forEach(function(i){var r=data[i],tr=body.insertRow();tr.id='pair-'+r[0];
                  if(r[11]!==''){tr.className='flagged';}for(var c=0;c<r.length;c++){cell(tr,r[c],heads[c].dataset.type);}});
                count.textContent=view.length+' of '+data.length+' pairs';pageText.textContent='page '+(page+1)+' of '+pages;}
              filter.addEventListener('input',function(){page=0;apply();render();});
              document.getElementById('pair-prev').addEventListener('click',function(){if(page>0){page--;render();}});
              document.getElementById('pair-next').addEventListener('click',function(){page++;render();});
              Array.prototype.forEach.call(heads,function(th,i){
                function sort(){asc=!(sortCol===i&&asc);sortCol=i;
                  Array.prototype.forEach.call(heads,function(c){c.classList.remove('asc','desc');});th.classList.add(asc?'asc':'desc');apply();render();}
                th.addEventListener('click',sort);th.addEventListener('keydown',function(e){if(e.key==='Enter'){sort();}});});
              function reveal(){var id=decodeURIComponent(location.hash.slice(1)),t;
                if(id.indexOf('pair-')===0){var k=data.findIndex(function(r){return 'pair-'+r[0]===id;});
                  if(k>=0){if(view.indexOf(k)<0){filter.value='';apply();}page=Math.floor(view.indexOf(k)/size);render();
                    t=document.getElementById(id);if(marked){marked.classList.remove('target');}t.classList.add('target');marked=t;t.scrollIntoView({block:'center'});}return;}
                t=document.getElementById(id);if(t&&t.tagName==='DETAILS'){t.open=true;}}
              apply();render();
              window.addEventListener('hashchange',reveal);reveal();
            })();
            """;
}
