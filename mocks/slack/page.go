package slack

import (
	"encoding/json"
	"html"
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// pageTemplate shows the messages as a channel would, newest first. html/template escapes every value and
// sanitizes every link, so a deal name or a URL in a notice cannot inject markup or script.
var pageTemplate = template.Must(template.New("page").Parse(`{{define "segs"}}{{range .}}{{if .URL}}<a href="{{.URL}}">{{.Text}}</a>{{else if .Bold}}<strong>{{.Text}}</strong>{{else}}{{.Text}}{{end}}{{end}}{{end}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
{{if .Refresh}}<meta http-equiv="refresh" content="{{.Refresh}}">{{end}}
<title>Slack (mock) — {{len .Messages}} messages</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 52rem; color: #1d1c1d; }
h1 { font-size: 1.2rem; } h1 small, .muted { color: #616061; font-weight: normal; }
.msg { border-left: 4px solid #4a154b; background: #f8f8f8; margin: 0 0 1rem; padding: .6rem .9rem; }
.meta { font-size: .8rem; color: #616061; margin-bottom: .3rem; }
.header { font-weight: 700; font-size: 1.1rem; margin: .2rem 0; }
.section { white-space: pre-line; margin: .3rem 0; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: .3rem 1.2rem; margin: .4rem 0; }
.field { white-space: pre-line; }
.context { font-size: .8rem; color: #616061; white-space: pre-line; }
.fallback { font-size: .8rem; color: #616061; border-top: 1px dashed #ddd; margin-top: .4rem; padding-top: .2rem; }
a { color: #1264a3; }
</style>
</head>
<body>
<h1>Slack (mock) <small>{{len .Messages}} message(s){{if .Refresh}} · refreshes every {{.Refresh}} s (<a href="?refresh=0">stop</a>){{end}}</small></h1>
{{range .Messages}}
<div class="msg">
<div class="meta">#{{.Seq}} · {{.Received}} · {{.Hook}}</div>
{{range .Blocks}}
{{if eq .Kind "header"}}<div class="header">{{template "segs" .Text}}</div>
{{else if eq .Kind "context"}}<div class="context">{{template "segs" .Text}}</div>
{{else if eq .Kind "divider"}}<hr>
{{else}}{{if .Text}}<div class="section">{{template "segs" .Text}}</div>{{end}}{{if .Fields}}<div class="fields">{{range .Fields}}<div class="field">{{template "segs" .}}</div>{{end}}</div>{{end}}
{{end}}
{{end}}
{{if .Fallback}}<div class="{{if .Blocks}}fallback{{else}}section{{end}}">{{if .Blocks}}notification text: {{end}}{{template "segs" .Fallback}}</div>{{end}}
</div>
{{else}}
<p class="muted">No messages yet. Post to a webhook: POST {{.Example}} with {"text": "hello"}.</p>
{{end}}
</body>
</html>
`))

// segment is a run of message text as the page shows it: plain, bold, or a link.
type segment struct {
	Text string
	URL  string
	Bold bool
}

type pageBlock struct {
	Kind   string
	Text   []segment
	Fields [][]segment
}

type pageMessage struct {
	Seq            int
	Received, Hook string
	Blocks         []pageBlock
	Fallback       []segment
}

// handlePage is GET /: the messages, newest first. ?refresh=N sets the auto-refresh in seconds (default
// 2, 0 turns it off).
func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	refresh := 2
	if v := r.URL.Query().Get("refresh"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			refresh = n
		}
	}
	msgs := s.Messages()
	out := make([]pageMessage, 0, len(msgs))
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		out = append(out, pageMessage{
			Seq: m.Seq, Received: m.ReceivedAt.Format("2006-01-02 15:04:05 MST"), Hook: hookName(m.Path),
			Blocks: renderBlocks(m.Blocks), Fallback: renderMrkdwn(m.Text),
		})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTemplate.Execute(w, map[string]any{"Messages": out, "Refresh": refresh, "Example": s.opts.Webhooks[0]})
}

// hookName shows a webhook by team and bot, leaving its secret out of the page.
func hookName(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) == 4 {
		return parts[1] + "/" + parts[2]
	}
	return "webhook"
}

// renderBlocks turns the blocks Slack would draw into what the page shows: headers, sections with their
// fields, context lines, dividers, and button labels as links.
func renderBlocks(raw json.RawMessage) []pageBlock {
	var blocks []struct {
		Type     string            `json:"type"`
		Text     *textObject       `json:"text"`
		Fields   []textObject      `json:"fields"`
		Elements []json.RawMessage `json:"elements"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &blocks) != nil {
		return nil
	}
	var out []pageBlock
	for _, b := range blocks {
		pb := pageBlock{Kind: b.Type}
		if b.Text != nil {
			pb.Text = renderText(*b.Text)
		}
		for _, f := range b.Fields {
			pb.Fields = append(pb.Fields, renderText(f))
		}
		switch b.Type {
		case "context":
			for i, raw := range b.Elements {
				var t textObject
				if json.Unmarshal(raw, &t) == nil && t.Text != "" {
					if i > 0 {
						pb.Text = append(pb.Text, segment{Text: " "})
					}
					pb.Text = append(pb.Text, renderText(t)...)
				}
			}
		case "actions":
			pb.Kind = "section"
			for _, raw := range b.Elements {
				var e element
				if json.Unmarshal(raw, &e) == nil && e.Text != nil {
					pb.Text = append(pb.Text, segment{Text: "[" + e.Text.Text + "]", URL: e.URL}, segment{Text: " "})
				}
			}
		case "header", "section", "divider":
		default:
			if pb.Text == nil && pb.Fields == nil {
				pb.Kind, pb.Text = "context", []segment{{Text: "(" + b.Type + " block)"}}
			}
		}
		out = append(out, pb)
	}
	return out
}

func renderText(t textObject) []segment {
	if t.Type == "plain_text" {
		return []segment{{Text: emojis.Replace(t.Text)}}
	}
	return renderMrkdwn(t.Text)
}

// emojis draws the emoji codes notices use as Slack would; others stay as their :code:.
var emojis = strings.NewReplacer(
	":rotating_light:", "🚨", ":arrow_double_up:", "⏫", ":hourglass_flowing_sand:", "⏳",
	":white_check_mark:", "✅", ":arrows_counterclockwise:", "🔄", ":warning:", "⚠️", ":handshake:", "🤝",
)

var (
	slackToken = regexp.MustCompile(`<([^<>]*)>`)
	boldRun    = regexp.MustCompile(`\*([^*\n]+)\*`)
)

// renderMrkdwn reads Slack's mrkdwn far enough for a person to follow a message: links (<url|label>,
// <mailto:…|…>), dates (<!date^…|fallback> shows its fallback), mentions, *bold*, and the &amp; &lt;
// &gt; escapes.
func renderMrkdwn(s string) []segment {
	var out []segment
	plain := func(text string) {
		text = emojis.Replace(html.UnescapeString(text))
		for text != "" {
			loc := boldRun.FindStringSubmatchIndex(text)
			if loc == nil {
				out = append(out, segment{Text: text})
				return
			}
			if loc[0] > 0 {
				out = append(out, segment{Text: text[:loc[0]]})
			}
			out = append(out, segment{Text: text[loc[2]:loc[3]], Bold: true})
			text = text[loc[1]:]
		}
	}
	last := 0
	for _, m := range slackToken.FindAllStringSubmatchIndex(s, -1) {
		plain(s[last:m[0]])
		last = m[1]
		inner := s[m[2]:m[3]]
		target, label, hasLabel := strings.Cut(inner, "|")
		switch {
		case strings.HasPrefix(target, "!date^"):
			if !hasLabel {
				label = target
			}
			out = append(out, segment{Text: html.UnescapeString(label)})
		case strings.HasPrefix(target, "!"):
			out = append(out, segment{Text: "@" + strings.TrimPrefix(target, "!"), Bold: true})
		case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"):
			if hasLabel {
				target = target[:1] + label
			}
			out = append(out, segment{Text: html.UnescapeString(target), Bold: true})
		default:
			if !hasLabel {
				label = target
			}
			out = append(out, segment{Text: html.UnescapeString(label), URL: html.UnescapeString(target)})
		}
	}
	plain(s[last:])
	return out
}
