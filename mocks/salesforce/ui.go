package salesforce

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

// pageStyle is shared by the list page and the record pages.
const pageStyle = `<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #181818; }
h1 { font-size: 1.3rem; } h1 small { color: #706e6b; font-weight: normal; } h2 { font-size: 1.05rem; margin-top: 1.5rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #dddbda; vertical-align: top; }
th { background: #f3f3f3; font-weight: 600; }
.on { color: #2e844a; font-weight: 600; } .off { color: #706e6b; }
.notes td { background: #fafaf9; font-size: .9rem; } .key { color: #706e6b; font-family: monospace; }
.todo { background: #fe9339; color: white; border-radius: 3px; padding: 0 .35rem; font-size: .8rem; }
.tasks { width: auto; margin: 0 0 .4rem 0; } .tasks td, .tasks th { padding: .2rem .5rem; background: #fffaf5; }
.body { white-space: pre-line; }
</style>`

// The page a person keeps open during a demo to watch deals, notes and SLA tasks arrive. html/template
// escapes every value, so deal names and note bodies written by either partner cannot inject markup.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
{{if .Refresh}}<meta http-equiv="refresh" content="{{.Refresh}}">{{end}}
<title>Salesforce (mock) — opportunities</title>
` + pageStyle + `
</head>
<body>
<h1>Salesforce (mock) <small>{{len .Opps}} opportunities · {{.OpenCount}} open tasks · {{.ClosedCount}} logged activities · API {{.Used}}/{{.Max}}</small></h1>
<table>
<tr><th>Opportunity</th><th>Stage</th><th>Amount</th><th>Close date</th><th>Owner</th><th>Co-sell</th><th>Partner owner</th><th>Modified</th></tr>
{{range .Opps}}
<tr>
<td><a href="{{.URL}}">{{.Name}}</a><br><span class="key">{{.ID}}</span></td>
<td>{{.Stage}}</td><td>{{.Amount}}</td><td>{{.CloseDate}}</td><td>{{.Owner}}</td>
<td>{{if .Enabled}}<span class="on">enabled</span>{{else}}<span class="off">off</span>{{end}}{{if .CoSellID}}<br><span class="key">{{.CoSellID}}</span>{{end}}</td>
<td>{{.PartnerName}}{{if .PartnerEmail}}<br>{{.PartnerEmail}}{{end}}</td>
<td>{{.Modified}}</td>
</tr>
{{if .Open}}<tr class="notes"><td colspan="8"><span class="todo">open tasks</span>
<table class="tasks"><tr><th>Subject</th><th>Assigned to</th><th>Due date</th><th>Status</th><th>Priority</th></tr>
{{range .Open}}<tr><td><strong>{{.Subject}}</strong>{{if .Body}}<br><span class="body">{{.Body}}</span>{{end}}{{if .Key}}<br><span class="key">{{.Key}}</span>{{end}}</td><td>{{.Owner}}</td><td>{{.Due}}</td><td>{{.Status}}</td><td>{{.Priority}}</td></tr>{{end}}
</table></td></tr>{{end}}
{{if .Closed}}<tr class="notes"><td colspan="8"><ul>
{{range .Closed}}<li><strong>{{.Subject}}</strong> — {{.Body}} <span class="key">{{.Created}}{{if .Key}} · {{.Key}}{{end}}</span></li>{{end}}
</ul></td></tr>{{end}}
{{else}}
<tr><td colspan="8">No opportunities yet.</td></tr>
{{end}}
</table>
</body>
</html>
`))

// recordTemplate is one opportunity's record page, served where Lightning Experience shows it
// (/lightning/r/Opportunity/{id}/view), so links in notices open something readable.
var recordTemplate = template.Must(template.New("record").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
{{if .Refresh}}<meta http-equiv="refresh" content="{{.Refresh}}">{{end}}
<title>{{.Opp.Name}} | Opportunity | Salesforce (mock)</title>
` + pageStyle + `
</head>
<body>
<p class="key"><a href="/">All opportunities</a></p>
<h1>{{.Opp.Name}} <small>Opportunity · {{.Opp.Stage}} · {{.Opp.Owner}}</small></h1>
<h2>Details</h2>
<table>
<tr><th>Field</th><th>API name</th><th>Value</th></tr>
{{range .Fields}}<tr><td>{{.Label}}</td><td class="key">{{.Name}}</td><td>{{.Value}}</td></tr>{{end}}
</table>
<h2>Upcoming &amp; overdue ({{len .Opp.Open}})</h2>
<table>
<tr><th>Subject</th><th>Assigned to</th><th>Due date</th><th>Status</th><th>Priority</th><th>Comments</th></tr>
{{range .Opp.Open}}<tr><td><strong>{{.Subject}}</strong>{{if .Key}}<br><span class="key">{{.Key}}</span>{{end}}</td><td>{{.Owner}}</td><td>{{.Due}}</td><td>{{.Status}}</td><td>{{.Priority}}</td><td class="body">{{.Body}}</td></tr>
{{else}}<tr><td colspan="6" class="off">No open tasks.</td></tr>{{end}}
</table>
<h2>Activity history ({{len .Opp.Closed}})</h2>
<ul>{{range .Opp.Closed}}<li><strong>{{.Subject}}</strong> <span class="key">{{.Created}}{{if .Key}} · {{.Key}}{{end}}</span><br><span class="body">{{.Body}}</span></li>
{{else}}<li class="off">No activity yet.</li>{{end}}</ul>
</body>
</html>
`))

// pageTask is one Task as the pages show it: open ones as to-dos, closed ones as logged activity, the
// split Salesforce's own activity timeline makes (IsClosed).
type pageTask struct{ Subject, Body, Key, Created, Owner, Due, Status, Priority string }

type pageOpp struct {
	ID, Name, Stage, Amount, CloseDate, Owner, CoSellID, PartnerName, PartnerEmail, Modified, URL string
	Enabled                                                                                       bool
	Open, Closed                                                                                  []pageTask
}

type pageField struct{ Name, Label, Value string }

// refreshParam reads ?refresh=N, the auto-refresh interval in seconds (0 turns it off).
func refreshParam(r *http.Request, def int) int {
	if v := r.URL.Query().Get("refresh"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return n
		}
	}
	return def
}

// recordPath is where Lightning Experience shows an opportunity, and where this fake serves its page.
func recordPath(id string) string { return "/lightning/r/Opportunity/" + id + "/view" }

// userNames maps user ids to names, for owners.
func (s *Server) userNames() map[string]string {
	users := map[string]string{}
	for _, u := range s.Users() {
		users[u["Id"].(string)], _ = u["Name"].(string)
	}
	return users
}

// tasksByOpportunity groups the org's Tasks by WhatId, open and closed apart.
func (s *Server) tasksByOpportunity(users map[string]string) (open, closed map[string][]pageTask) {
	open, closed = map[string][]pageTask{}, map[string][]pageTask{}
	for _, t := range s.Tasks() {
		str := func(k string) string { v, _ := t[k].(string); return v }
		pt := pageTask{
			Subject: str("Subject"), Body: str("Description"), Key: str("CoSell_Note_Key__c"), Created: str("CreatedDate"),
			Owner: users[str("OwnerId")], Due: str("ActivityDate"), Status: str("Status"), Priority: str("Priority"),
		}
		if isClosed, _ := t["IsClosed"].(bool); isClosed {
			closed[str("WhatId")] = append(closed[str("WhatId")], pt)
		} else {
			open[str("WhatId")] = append(open[str("WhatId")], pt)
		}
	}
	return open, closed
}

func (s *Server) pageOpp(o Record, users map[string]string, open, closed map[string][]pageTask) pageOpp {
	str := func(k string) string { v, _ := o[k].(string); return v }
	amount := ""
	if a, ok := o["Amount"].(float64); ok {
		amount = strconv.FormatFloat(a, 'f', 2, 64)
	}
	enabled, _ := o["CoSell_Enabled__c"].(bool)
	return pageOpp{
		ID: str("Id"), Name: str("Name"), Stage: str("StageName"), Amount: amount, CloseDate: str("CloseDate"),
		Owner: users[str("OwnerId")], CoSellID: str("CoSell_Id__c"), Enabled: enabled,
		PartnerName: str("CoSell_Partner_Owner_Name__c"), PartnerEmail: str("CoSell_Partner_Owner_Email__c"),
		Modified: str("SystemModstamp"), URL: recordPath(str("Id")), Open: open[str("Id")], Closed: closed[str("Id")],
	}
}

func methodGET(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return false
	}
	return true
}

// serveUI is GET /: opportunities, most recently modified first, each with its open tasks and its logged
// activity. ?refresh=N sets the auto-refresh interval in seconds (default 2, 0 turns it off).
func (s *Server) serveUI(w http.ResponseWriter, r *http.Request) {
	if !methodGET(w, r) {
		return
	}
	users := s.userNames()
	open, closed := s.tasksByOpportunity(users)
	opps := s.Opportunities()
	sortRecords(opps, "SystemModstamp", true)
	data := struct {
		Opps                   []pageOpp
		OpenCount, ClosedCount int
		Refresh                int
		Used, Max              int
	}{Refresh: refreshParam(r, 2)}
	for _, ts := range open {
		data.OpenCount += len(ts)
	}
	for _, ts := range closed {
		data.ClosedCount += len(ts)
	}
	data.Used, data.Max = s.APIUsage()
	for _, o := range opps {
		data.Opps = append(data.Opps, s.pageOpp(o, users, open, closed))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pageTemplate.Execute(w, data); err != nil {
		http.Error(w, "render: "+err.Error(), http.StatusInternalServerError)
	}
}

// serveRecordUI is GET /lightning/r/Opportunity/{id}/view: one opportunity's fields, open tasks and
// activity history. Another object or an unknown id answers 404.
func (s *Server) serveRecordUI(w http.ResponseWriter, r *http.Request) {
	if !methodGET(w, r) {
		return
	}
	segs := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/lightning/r/"), "/"), "/")
	if len(segs) != 3 || segs[0] != "Opportunity" || segs[2] != "view" {
		http.Error(w, "This page isn't available in the mock: only /lightning/r/Opportunity/{id}/view is.", http.StatusNotFound)
		return
	}
	rec, ok := s.Get(segs[1])
	if id, _ := rec["Id"].(string); !ok || !strings.HasPrefix(id, prefixOpportunity) {
		http.Error(w, "Looks like there's a problem: the record you're trying to view doesn't exist.", http.StatusNotFound)
		return
	}
	users := s.userNames()
	open, closed := s.tasksByOpportunity(users)
	var fields []pageField
	for _, f := range s.schema.objects["opportunity"].Fields {
		v, ok := rec[f.Name]
		if !ok || v == nil {
			continue
		}
		var text string
		switch x := v.(type) {
		case string:
			text = x
			if f.Name == "OwnerId" || f.Name == "CreatedById" || f.Name == "LastModifiedById" {
				if n := users[x]; n != "" {
					text = n + " (" + x + ")"
				}
			}
		case float64:
			text = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			text = strconv.FormatBool(x)
		}
		fields = append(fields, pageField{Name: f.Name, Label: f.Label, Value: text})
	}
	data := struct {
		Opp     pageOpp
		Fields  []pageField
		Refresh int
	}{Opp: s.pageOpp(rec, users, open, closed), Fields: fields, Refresh: refreshParam(r, 5)}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := recordTemplate.Execute(w, data); err != nil {
		http.Error(w, "render: "+err.Error(), http.StatusInternalServerError)
	}
}
