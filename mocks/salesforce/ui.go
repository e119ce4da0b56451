package salesforce

import (
	"html/template"
	"net/http"
	"strconv"
)

// The page a person keeps open during a demo to watch deals and notes arrive. html/template escapes every
// value, so deal names and note bodies written by either partner cannot inject markup.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
{{if .Refresh}}<meta http-equiv="refresh" content="{{.Refresh}}">{{end}}
<title>Salesforce (mock) — opportunities</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #181818; }
h1 { font-size: 1.3rem; } h1 small { color: #706e6b; font-weight: normal; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #dddbda; vertical-align: top; }
th { background: #f3f3f3; font-weight: 600; }
.on { color: #2e844a; font-weight: 600; } .off { color: #706e6b; }
.notes td { background: #fafaf9; font-size: .9rem; } .key { color: #706e6b; font-family: monospace; }
</style>
</head>
<body>
<h1>Salesforce (mock) <small>{{len .Opps}} opportunities · {{.TaskCount}} tasks · API {{.Used}}/{{.Max}}</small></h1>
<table>
<tr><th>Opportunity</th><th>Stage</th><th>Amount</th><th>Close date</th><th>Owner</th><th>Co-sell</th><th>Partner owner</th><th>Modified</th></tr>
{{range .Opps}}
<tr>
<td>{{.Name}}<br><span class="key">{{.ID}}</span></td>
<td>{{.Stage}}</td><td>{{.Amount}}</td><td>{{.CloseDate}}</td><td>{{.Owner}}</td>
<td>{{if .Enabled}}<span class="on">enabled</span>{{else}}<span class="off">off</span>{{end}}{{if .CoSellID}}<br><span class="key">{{.CoSellID}}</span>{{end}}</td>
<td>{{.PartnerName}}{{if .PartnerEmail}}<br>{{.PartnerEmail}}{{end}}</td>
<td>{{.Modified}}</td>
</tr>
{{if .Tasks}}<tr class="notes"><td colspan="8"><ul>
{{range .Tasks}}<li><strong>{{.Subject}}</strong> — {{.Body}} <span class="key">{{.Created}}{{if .Key}} · {{.Key}}{{end}}</span></li>{{end}}
</ul></td></tr>{{end}}
{{else}}
<tr><td colspan="8">No opportunities yet.</td></tr>
{{end}}
</table>
</body>
</html>
`))

type pageTask struct{ Subject, Body, Key, Created string }

type pageOpp struct {
	ID, Name, Stage, Amount, CloseDate, Owner, CoSellID, PartnerName, PartnerEmail, Modified string
	Enabled                                                                                  bool
	Tasks                                                                                    []pageTask
}

// serveUI is GET /: opportunities, most recently modified first, each with its tasks. ?refresh=N sets the
// auto-refresh interval in seconds (default 2, 0 turns it off).
func (s *Server) serveUI(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	refresh := 2
	if v := r.URL.Query().Get("refresh"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			refresh = n
		}
	}
	users := map[string]string{}
	for _, u := range s.Users() {
		users[u["Id"].(string)], _ = u["Name"].(string)
	}
	tasks := map[string][]pageTask{}
	allTasks := s.Tasks()
	for _, t := range allTasks {
		what, _ := t["WhatId"].(string)
		body, _ := t["Description"].(string)
		subject, _ := t["Subject"].(string)
		key, _ := t["CoSell_Note_Key__c"].(string)
		created, _ := t["CreatedDate"].(string)
		tasks[what] = append(tasks[what], pageTask{Subject: subject, Body: body, Key: key, Created: created})
	}
	opps := s.Opportunities()
	sortRecords(opps, "SystemModstamp", true)
	data := struct {
		Opps      []pageOpp
		TaskCount int
		Refresh   int
		Used, Max int
	}{TaskCount: len(allTasks), Refresh: refresh}
	data.Used, data.Max = s.APIUsage()
	for _, o := range opps {
		str := func(k string) string { v, _ := o[k].(string); return v }
		amount := ""
		if a, ok := o["Amount"].(float64); ok {
			amount = strconv.FormatFloat(a, 'f', 2, 64)
		}
		enabled, _ := o["CoSell_Enabled__c"].(bool)
		data.Opps = append(data.Opps, pageOpp{
			ID: str("Id"), Name: str("Name"), Stage: str("StageName"), Amount: amount, CloseDate: str("CloseDate"),
			Owner: users[str("OwnerId")], CoSellID: str("CoSell_Id__c"), Enabled: enabled,
			PartnerName: str("CoSell_Partner_Owner_Name__c"), PartnerEmail: str("CoSell_Partner_Owner_Email__c"),
			Modified: str("SystemModstamp"), Tasks: tasks[str("Id")],
		})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pageTemplate.Execute(w, data); err != nil {
		http.Error(w, "render: "+err.Error(), http.StatusInternalServerError)
	}
}
