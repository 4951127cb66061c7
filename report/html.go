package report

import (
	"fmt"
	"html"
	"html/template"
	"io"
)

// esc escapes text for HTML and SVG.
func esc(s string) string { return html.EscapeString(s) }

var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"svg": func(c Chart, id string) template.HTML {
		if c.Line {
			return template.HTML(svgLineChart(c, id))
		}
		return template.HTML(svgChart(c, id))
	},
	"id":  func(prefix string, i, j int) string { return fmt.Sprintf("%s-%d-%d", prefix, i+1, j+1) },
	"add": func(a, b int) int { return a + b },
	"cell": func(v any, cols []Column, k int) template.HTML {
		class := ""
		if k < len(cols) && cols[k].Lang != "" {
			class = ` lang="` + esc(cols[k].Lang) + `"`
		}
		switch v := v.(type) {
		case Status:
			t := tones[v.Tone]
			return template.HTML(fmt.Sprintf(`<td><span class="status" style="color:%s;background:%s;border-color:%s">%s</span></td>`, t.fg.hex(), t.bg.hex(), t.line.hex(), esc(v.Text)))
		case int, int64, float64, Bytes:
			class = ` class="num"`
		}
		return template.HTML(fmt.Sprintf("<td%s>%s</td>", class, esc(cellText(v))))
	},
	"stamp": func(d *Document) string { return d.GeneratedAt.Format("2006-01-02 15:04 -07:00") },
}).Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, "Noto Sans CJK TC", "Noto Sans CJK SC", "Noto Sans CJK JP", "Microsoft JhengHei", "Hiragino Sans", sans-serif; color: #1b2430; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem; line-height: 1.5; }
a { color: #0b5cad; }
h1 { font-size: 1.8rem; margin-bottom: .25rem; }
h2 { color: #0b5cad; border-bottom: 2px solid #0b5cad; padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1rem; color: #0b5cad; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { color: #5b6675; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin-bottom: 1.5rem; }
caption { text-align: left; font-weight: bold; color: #0b5cad; padding: .25rem 0; }
th { background: #ddebf7; text-align: left; padding: .3rem .4rem; }
td { border-bottom: 1px solid #d8dee6; padding: .25rem .4rem; vertical-align: top; }
th, td { overflow-wrap: anywhere; } /* many columns still fit a narrow window */
tbody tr:nth-child(even) { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { border: 1px solid; border-radius: 3px; padding: 0 .3rem; }
figure { margin: 1rem 0 1.5rem; }
figcaption { color: #5b6675; font-size: .85rem; }
footer { color: #5b6675; font-size: .8rem; border-top: 1px solid #d8dee6; margin-top: 2rem; padding-top: .5rem; }
@media print { h2 { break-before: page; } thead { display: table-header-group; } }
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
{{- if .Subtitle}}<p>{{.Subtitle}}</p>{{end}}
<dl class="facts">
{{- if .Organization}}<dt>{{.Labels.Organization}}</dt><dd>{{.Organization}}</dd>{{end}}
{{- if .Site}}<dt>{{.Labels.Site}}</dt><dd>{{.Site}}</dd>{{end}}
<dt>{{.Labels.Period}}</dt><dd>{{.Period}}</dd>
{{- range .Facts}}{{if .Value}}<dt>{{.Label}}</dt><dd>{{.Value}}</dd>{{end}}{{end}}
<dt>{{.Labels.GeneratedBy}}</dt><dd>{{.GeneratedBy}}</dd>
<dt>{{.Labels.GeneratedAt}}</dt><dd>{{stamp .}}</dd>
</dl>
</header>
<nav aria-labelledby="contents">
<h2 id="contents">{{.Labels.Contents}}</h2>
<ol>{{range $i, $s := .Sections}}<li><a href="#s{{add $i 1}}">{{$s.Heading}}</a></li>{{end}}</ol>
</nav>
<main>
{{- range $i, $s := .Sections}}
<section aria-labelledby="s{{add $i 1}}">
<h2 id="s{{add $i 1}}">{{add $i 1}} {{$s.Heading}}</h2>
{{- range $s.Text}}<p>{{.}}</p>{{end}}
{{- if $s.Facts}}<dl class="facts">{{range $s.Facts}}<dt>{{.Label}}</dt><dd>{{.Value}}</dd>{{end}}</dl>{{end}}
{{- range $j, $c := $s.Charts}}
<figure>{{svg $c (id "chart" $i $j)}}<figcaption>{{$c.Alt}}</figcaption></figure>
{{- end}}
{{- range $t := $s.Tables}}
<table>
<caption>{{.Title}}</caption>
<thead><tr>{{range .Columns}}<th scope="col">{{.Header}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Rows}}<tr>{{range $k, $v := .}}{{cell $v $t.Columns $k}}{{end}}</tr>
{{else}}<tr><td colspan="{{len .Columns}}">{{$.Labels.Empty}}</td></tr>
{{end -}}
</tbody>
</table>
{{- end}}
</section>
{{- end}}
</main>
<footer>{{.Title}}{{if .Organization}} · {{.Organization}}{{end}}{{if .Site}} · {{.Site}}{{end}} · {{.Period}} · {{.GeneratedBy}} · {{stamp .}}</footer>
</body>
</html>
`))

// WriteHTML renders d as one self-contained HTML page (no scripts, no outside files):
// the cover's facts, a linked table of contents, sections with charts as inline SVG
// (each with its title and text alternative as accessible name and description) and
// tables with captions and column headers. Errors are d's structural errors and write
// errors.
func WriteHTML(w io.Writer, d *Document) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if err := htmlPage.Execute(w, d); err != nil {
		return fmt.Errorf("report %s: html: %w", d.Name, err)
	}
	return nil
}
