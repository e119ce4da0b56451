package hubspot

import (
	"html"
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// pageStyle is shared by the status page and the record pages.
const pageStyle = `<style>
 body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #213343; }
 h1 { font-size: 1.3rem; color: #ff5c35; } h2 { font-size: 1.05rem; margin-top: 1.5rem; }
 table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
 th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #dfe3eb; vertical-align: top; }
 th { background: #f5f8fa; }
 .muted { color: #7c98b6; }
 .notes { margin: 0; padding-left: 1rem; }
 .badge { background: #00bda5; color: white; border-radius: 3px; padding: 0 .35rem; }
 .todo { background: #f5c26b; color: #213343; border-radius: 3px; padding: 0 .35rem; font-size: .85rem; }
 .body { white-space: pre-line; }
 .tasks { width: auto; margin: .3rem 0 0 0; font-size: .9rem; } .tasks td, .tasks th { padding: .2rem .5rem; }
</style>`

// pageTemplate is the status page: the portal's deals with their co-sell properties, notes and tasks, so
// a person can watch the mirror and the SLA tasks work during a demo.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
{{if .Refresh}}<meta http-equiv="refresh" content="{{.Refresh}}">{{end}}
<title>Fake HubSpot portal {{.PortalID}}</title>
` + pageStyle + `
</head>
<body>
<h1>Fake HubSpot — portal {{.PortalID}}</h1>
<p class="muted">{{len .Deals}} deal(s), {{.NoteCount}} note(s), {{.TaskCount}} task(s) · rendered {{.Now}}{{if .Refresh}} · refreshes every {{.Refresh}} s (<a href="?refresh=0">stop</a>){{end}}</p>
<table>
<tr><th>Deal</th><th>Co-sell</th><th>Stage</th><th>Amount</th><th>Close date</th><th>Owner</th><th>Partner owner</th><th>Modified</th></tr>
{{range .Deals}}
<tr>
 <td><strong><a href="{{.URL}}">{{.Name}}</a></strong><br><span class="muted">#{{.ID}}</span></td>
 <td>{{if .Enabled}}<span class="badge">co-sell</span>{{end}} {{.CoSellID}}</td>
 <td>{{.Stage}}</td>
 <td>{{.Amount}}</td>
 <td>{{.CloseDate}}</td>
 <td>{{.Owner}}</td>
 <td>{{.PartnerOwner}}</td>
 <td class="muted">{{.Modified}}</td>
</tr>
{{if .Tasks}}<tr><td></td><td colspan="7"><span class="todo">tasks</span>
<table class="tasks"><tr><th>Task</th><th>Assigned to</th><th>Due</th><th>Status</th></tr>
{{range .Tasks}}<tr><td>{{.Subject}}{{if .Key}} <span class="muted">({{.Key}})</span>{{end}}</td><td>{{.Owner}}</td><td>{{.Due}}</td><td>{{.Status}}</td></tr>{{end}}
</table></td></tr>{{end}}
{{if .Notes}}<tr><td></td><td colspan="7"><ul class="notes">{{range .Notes}}<li><span class="muted">{{.When}}{{if .Key}} · mirrored ({{.Key}}){{end}}</span><br><span class="body">{{.Body}}</span></li>{{end}}</ul></td></tr>{{end}}
{{else}}
<tr><td colspan="8" class="muted">No deals yet.</td></tr>
{{end}}
</table>
</body>
</html>
`))

// recordTemplate is one deal's record page, served where HubSpot's app shows a deal
// (/contacts/{portalId}/record/0-3/{id}), so links in notices open something readable.
var recordTemplate = template.Must(template.New("record").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
{{if .Refresh}}<meta http-equiv="refresh" content="{{.Refresh}}">{{end}}
<title>{{.Deal.Name}} — fake HubSpot deal</title>
` + pageStyle + `
</head>
<body>
<p class="muted"><a href="/">All deals</a> · portal {{.PortalID}}</p>
<h1>{{.Deal.Name}} {{if .Deal.Enabled}}<span class="badge">co-sell</span>{{end}}</h1>
<p class="muted">Deal #{{.Deal.ID}} · stage {{.Deal.Stage}} · owner {{.Deal.Owner}} · modified {{.Deal.Modified}}</p>
<h2>Properties</h2>
<table>
<tr><th>Property</th><th>Internal name</th><th>Value</th></tr>
{{range .Properties}}<tr><td>{{.Label}}</td><td class="muted">{{.Name}}</td><td>{{.Value}}</td></tr>{{end}}
</table>
<h2>Tasks ({{len .Deal.Tasks}})</h2>
<table>
<tr><th>Task</th><th>Assigned to</th><th>Due</th><th>Status</th><th>Priority</th><th>Notes</th></tr>
{{range .Deal.Tasks}}<tr><td><strong>{{.Subject}}</strong>{{if .Key}}<br><span class="muted">{{.Key}}</span>{{end}}</td><td>{{.Owner}}</td><td>{{.Due}}</td><td>{{.Status}}</td><td>{{.Priority}}</td><td class="body">{{.Body}}</td></tr>
{{else}}<tr><td colspan="6" class="muted">No tasks.</td></tr>{{end}}
</table>
<h2>Notes ({{len .Deal.Notes}})</h2>
<ul class="notes">{{range .Deal.Notes}}<li><span class="muted">{{.When}}{{if .Key}} · mirrored ({{.Key}}){{end}}</span><br><span class="body">{{.Body}}</span></li>
{{else}}<li class="muted">No notes.</li>{{end}}</ul>
</body>
</html>
`))

type pageDeal struct {
	ID, Name, CoSellID, Stage, Amount, CloseDate, Owner, PartnerOwner, Modified, URL string
	Enabled                                                                          bool
	Notes                                                                            []pageNote
	Tasks                                                                            []pageTask
}

type pageNote struct {
	When, Key, Body string
}

type pageTask struct {
	Subject, Owner, Due, Status, Priority, Key, Body string
}

type pageProperty struct {
	Name, Label, Value string
}

var tagPattern = regexp.MustCompile(`(?s)<[^>]*>`)

// plainText renders a note body (HTML in HubSpot) as text for the page.
func plainText(s string) string {
	s = strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n", "</p>", "\n").Replace(s)
	return strings.TrimSpace(html.UnescapeString(tagPattern.ReplaceAllString(s, "")))
}

// refreshParam reads ?refresh=N (seconds, 0 turns auto-refresh off).
func refreshParam(r *http.Request, def string) string {
	refresh := def
	if v := r.URL.Query().Get("refresh"); v != "" {
		refresh = v
	}
	if _, err := strconv.Atoi(refresh); err != nil || refresh == "0" {
		return ""
	}
	return refresh
}

// pageLabels are what the pages show for stage and owner ids. The caller holds s.mu.
func (s *Server) pageLabels() (stages, owners map[string]string) {
	stages = map[string]string{}
	for _, st := range defaultPipeline.Stages {
		stages[st.ID] = st.Label
	}
	owners = map[string]string{}
	for _, o := range s.owners {
		owners[o.ID] = ownerLabel(o)
	}
	return stages, owners
}

// pageDeal renders one deal with its notes and tasks. The caller holds s.mu.
func (s *Server) pageDeal(id string, stages, owners map[string]string) pageDeal {
	o := s.objects[dealType][id]
	p := o.props
	d := pageDeal{
		ID: id, Name: p["dealname"], CoSellID: p["cosell_id"], Enabled: p["cosell_enabled"] == "true",
		Stage: stages[p["dealstage"]], Amount: p["amount"], Modified: formatTime(o.updatedAt),
		Owner: owners[p["hubspot_owner_id"]], URL: s.recordPath(id),
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
	}
	for _, tid := range s.associated(dealType, taskType, id) {
		t := s.objects[taskType][tid].props
		due := t["hs_timestamp"]
		if tm, ok := parseTimeValue(due); ok {
			due = tm.Format("2006-01-02 15:04 MST")
		}
		d.Tasks = append(d.Tasks, pageTask{
			Subject: t["hs_task_subject"], Owner: owners[t["hubspot_owner_id"]], Due: due,
			Status:   optionLabel(s.props[taskType], "hs_task_status", t["hs_task_status"]),
			Priority: optionLabel(s.props[taskType], "hs_task_priority", t["hs_task_priority"]),
			Key:      t["cosell_task_key"], Body: plainText(t["hs_task_body"]),
		})
	}
	return d
}

// recordPath is where HubSpot's app shows a deal, and where this fake serves its record page.
func (s *Server) recordPath(dealID string) string {
	return "/contacts/" + strconv.Itoa(s.opts.PortalID) + "/record/" + dealType.typeID + "/" + dealID
}

// optionLabel shows an enumeration value by its label, as HubSpot's app does.
func optionLabel(ps *propertySet, name, value string) string {
	if p, ok := ps.get(name); ok {
		for _, o := range p.Options {
			if o.Value == value {
				return o.Label
			}
		}
	}
	return value
}

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	refresh := refreshParam(r, "5")
	s.mu.Lock()
	stages, owners := s.pageLabels()
	var deals []pageDeal
	noteCount, taskCount := 0, 0
	ids := make([]string, 0, len(s.objects[dealType]))
	for id, o := range s.objects[dealType] {
		if !o.archived {
			ids = append(ids, id)
		}
	}
	sortIDs(ids)
	for _, id := range ids {
		d := s.pageDeal(id, stages, owners)
		noteCount += len(d.Notes)
		taskCount += len(d.Tasks)
		deals = append(deals, d)
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTemplate.Execute(w, map[string]any{
		"PortalID": s.opts.PortalID, "Deals": deals, "NoteCount": noteCount, "TaskCount": taskCount, "Refresh": refresh,
		"Now": s.opts.Now().UTC().Format(time.RFC3339),
	})
}

// handleRecordPage is GET /contacts/{portalId}/record/0-3/{id}: one deal, its properties, tasks and
// notes. Another portal's id, another object type or a missing deal answer 404, as the app would show
// "this record doesn't exist".
func (s *Server) handleRecordPage(w http.ResponseWriter, r *http.Request) {
	refresh := refreshParam(r, "5")
	s.mu.Lock()
	id := r.PathValue("id")
	o, ok := s.objects[dealType][id]
	if r.PathValue("portalId") != strconv.Itoa(s.opts.PortalID) || lookupType(r.PathValue("objectTypeId")) != dealType || !ok || o.archived {
		s.mu.Unlock()
		http.Error(w, "This record doesn't exist in portal "+strconv.Itoa(s.opts.PortalID)+".", http.StatusNotFound)
		return
	}
	stages, owners := s.pageLabels()
	d := s.pageDeal(id, stages, owners)
	var props []pageProperty
	for _, p := range s.props[dealType].all() {
		v, set := o.value(dealType, p.Name)
		if !set {
			continue
		}
		switch {
		case p.Name == "hubspot_owner_id" && owners[v] != "":
			v = owners[v]
		case p.Name == "dealstage" && stages[v] != "":
			v = stages[v]
		}
		props = append(props, pageProperty{Name: p.Name, Label: p.Label, Value: v})
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = recordTemplate.Execute(w, map[string]any{"PortalID": s.opts.PortalID, "Deal": d, "Properties": props, "Refresh": refresh})
}
