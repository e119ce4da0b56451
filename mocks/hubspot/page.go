package hubspot

import (
	"html"
	"html/template"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// pageTemplate is the status page: the portal's deals with their co-sell properties and notes, so a
// person can watch the mirror work during a demo.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
{{if .Refresh}}<meta http-equiv="refresh" content="{{.Refresh}}">{{end}}
<title>Fake HubSpot portal {{.PortalID}}</title>
<style>
 body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #213343; }
 h1 { font-size: 1.3rem; color: #ff5c35; }
 table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
 th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #dfe3eb; vertical-align: top; }
 th { background: #f5f8fa; }
 .muted { color: #7c98b6; }
 .notes { margin: 0; padding-left: 1rem; }
 .badge { background: #00bda5; color: white; border-radius: 3px; padding: 0 .35rem; }
 .body { white-space: pre-line; }
</style>
</head>
<body>
<h1>Fake HubSpot — portal {{.PortalID}}</h1>
<p class="muted">{{len .Deals}} deal(s), {{.NoteCount}} note(s) · rendered {{.Now}}{{if .Refresh}} · refreshes every {{.Refresh}} s (<a href="?refresh=0">stop</a>){{end}}</p>
<table>
<tr><th>Deal</th><th>Co-sell</th><th>Stage</th><th>Amount</th><th>Close date</th><th>Owner</th><th>Partner owner</th><th>Modified</th></tr>
{{range .Deals}}
<tr>
 <td><strong>{{.Name}}</strong><br><span class="muted">#{{.ID}}</span></td>
 <td>{{if .Enabled}}<span class="badge">co-sell</span>{{end}} {{.CoSellID}}</td>
 <td>{{.Stage}}</td>
 <td>{{.Amount}}</td>
 <td>{{.CloseDate}}</td>
 <td>{{.Owner}}</td>
 <td>{{.PartnerOwner}}</td>
 <td class="muted">{{.Modified}}</td>
</tr>
{{if .Notes}}<tr><td></td><td colspan="7"><ul class="notes">{{range .Notes}}<li><span class="muted">{{.When}}{{if .Key}} · mirrored ({{.Key}}){{end}}</span><br><span class="body">{{.Body}}</span></li>{{end}}</ul></td></tr>{{end}}
{{else}}
<tr><td colspan="8" class="muted">No deals yet.</td></tr>
{{end}}
</table>
</body>
</html>
`))

type pageDeal struct {
	ID, Name, CoSellID, Stage, Amount, CloseDate, Owner, PartnerOwner, Modified string
	Enabled                                                                     bool
	Notes                                                                       []pageNote
}

type pageNote struct {
	When, Key, Body string
}

var tagPattern = regexp.MustCompile(`(?s)<[^>]*>`)

// plainText renders a note body (HTML in HubSpot) as text for the page.
func plainText(s string) string {
	s = strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n", "</p>", "\n").Replace(s)
	return strings.TrimSpace(html.UnescapeString(tagPattern.ReplaceAllString(s, "")))
}

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	refresh := "5"
	if v := r.URL.Query().Get("refresh"); v != "" {
		refresh = v
	}
	if refresh == "0" {
		refresh = ""
	}
	s.mu.Lock()
	stageLabels := map[string]string{}
	for _, st := range defaultPipeline.Stages {
		stageLabels[st.ID] = st.Label
	}
	owners := map[string]string{}
	for _, o := range s.owners {
		owners[o.ID] = ownerLabel(o)
	}
	var deals []pageDeal
	noteCount := 0
	ids := make([]string, 0, len(s.objects[dealType]))
	for id, o := range s.objects[dealType] {
		if !o.archived {
			ids = append(ids, id)
		}
	}
	sortIDs(ids)
	for _, id := range ids {
		o := s.objects[dealType][id]
		p := o.props
		d := pageDeal{
			ID: id, Name: p["dealname"], CoSellID: p["cosell_id"], Enabled: p["cosell_enabled"] == "true",
			Stage: stageLabels[p["dealstage"]], Amount: p["amount"], Modified: formatTime(o.updatedAt),
			Owner: owners[p["hubspot_owner_id"]],
		}
		if d.Stage == "" {
			d.Stage = p["dealstage"]
		}
		if tm, ok := parseTimeValue(p["closedate"]); ok {
			d.CloseDate = tm.Format("2006-01-02")
		}
		if n, e := p["cosell_partner_owner_name"], p["cosell_partner_owner_email"]; n != "" || e != "" {
			d.PartnerOwner = strings.TrimSpace(n + " " + e)
		}
		for _, nid := range s.associated(dealType, noteType, id) {
			n := s.objects[noteType][nid]
			when := n.props["hs_timestamp"]
			if tm, ok := parseTimeValue(when); ok {
				when = tm.Format("2006-01-02 15:04 MST")
			}
			d.Notes = append(d.Notes, pageNote{When: when, Key: n.props["cosell_note_key"], Body: plainText(n.props["hs_note_body"])})
			noteCount++
		}
		deals = append(deals, d)
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTemplate.Execute(w, map[string]any{
		"PortalID": s.opts.PortalID, "Deals": deals, "NoteCount": noteCount, "Refresh": refresh,
		"Now": s.opts.Now().UTC().Format(time.RFC3339),
	})
}
