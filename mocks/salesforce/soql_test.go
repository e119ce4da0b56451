package salesforce

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSOQLAcceptsTheSubset(t *testing.T) {
	for _, q := range []string{
		"SELECT Id FROM Opportunity",
		"select id, name from opportunity where name = 'x' order by name desc limit 5",
		"SELECT Id FROM Opportunity WHERE CoSell_Enabled__c = true AND (SystemModstamp > 2026-11-22T10:00:00.000Z OR (SystemModstamp = 2026-11-22T10:00:00.000+0000 AND Id > '0065g0000000001AAA')) ORDER BY SystemModstamp, Id LIMIT 200",
		"SELECT Id FROM Opportunity WHERE CloseDate <= 2026-12-31 AND Amount >= -10.5",
		"SELECT Id FROM Opportunity WHERE StageName IN ('Prospecting', 'Closed Won') AND Name NOT IN ('a')",
		"SELECT Id FROM Opportunity WHERE NOT Name LIKE 'Acme%' AND NextStep != null",
		"SELECT Id FROM Opportunity WHERE Name <> 'O\\'Brien \\\\ co'",
		"SELECT Id, Owner.Name, Owner.Email FROM Opportunity ORDER BY Amount DESC NULLS LAST, Name ASC NULLS FIRST",
		"SELECT Id FROM Task WHERE What.Type = 'Opportunity' LIMIT 10 OFFSET 5",
		"SELECT COUNT() FROM User",
		"SELECT Id FROM Opportunity WHERE SystemModstamp > 2026-11-22T10:00:00+01:00",
	} {
		_, err := parseSOQL(q)
		assert.Nil(t, err, q)
	}
}

func TestParseSOQLRejectsMalformedQueries(t *testing.T) {
	for _, q := range []string{
		"",
		"SELECT FROM Opportunity",
		"SELECT Id Opportunity",
		"SELECT Id FROM",
		"SELECT Id FROM Opportunity WHERE",
		"SELECT Id FROM Opportunity WHERE Name = 'unterminated",
		"SELECT Id FROM Opportunity WHERE (Name = 'x'",
		"SELECT Id FROM Opportunity WHERE Name = 'x' AND",
		"SELECT Id FROM Opportunity LIMIT ten",
		"SELECT Id FROM Opportunity WHERE Name = :bind",
		"SELECT * FROM Opportunity",
		"SELECT Id FROM Opportunity ORDER Name",
		"SELECT Id FROM Opportunity WHERE Name = 'a' 'b'",
		"SELECT Id FROM Opportunity WHERE SystemModstamp > 2026-11-22T10:00:00",
	} {
		_, err := parseSOQL(q)
		if assert.NotNil(t, err, q) {
			assert.Equal(t, "MALFORMED_QUERY", err.code, q)
		}
	}
}

func TestParseSOQLDatetimeForms(t *testing.T) {
	want := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, s := range []string{"2026-11-22T10:00:00Z", "2026-11-22T10:00:00.000Z", "2026-11-22T10:00:00.000+0000", "2026-11-22T11:00:00+01:00", "2026-11-22T05:00:00.000-0500"} {
		got, ok := parseSOQLDatetime(s)
		require.True(t, ok, s)
		assert.True(t, want.Equal(got), s)
	}
}

func TestStringLiteralEscapes(t *testing.T) {
	toks, err := lex(`'O\'Brien \\ \n'`)
	require.Nil(t, err)
	assert.Equal(t, "O'Brien \\ \n", toks[0].text)
}

func seedQueryOrg(t *testing.T) (*org, []string) {
	o := newOrg(t, Options{})
	var idsOut []string
	for _, m := range []map[string]any{
		opp("Acme expansion", map[string]any{"Amount": 125000, "CoSell_Enabled__c": true, "StageName": "Qualification"}),
		opp("Beta renewal", map[string]any{"Amount": 5000.5, "CloseDate": "2027-01-15"}),
		opp("acme pilot", map[string]any{"CoSell_Enabled__c": true, "StageName": "Closed Won", "NextStep": "Sign"}),
		opp("Gamma", nil),
	} {
		idsOut = append(idsOut, o.create("Opportunity", m))
		o.clock.Advance(time.Second)
	}
	return o, idsOut
}

func TestQueryFiltersOrderingAndLimit(t *testing.T) {
	o, id := seedQueryOrg(t)
	cases := []struct {
		q    string
		want []string
	}{
		{"SELECT Id FROM Opportunity", id},
		{"SELECT Id FROM Opportunity WHERE CoSell_Enabled__c = true", []string{id[0], id[2]}},
		{"SELECT Id FROM Opportunity WHERE CoSell_Enabled__c = false", []string{id[1], id[3]}},
		{"SELECT Id FROM Opportunity WHERE Name = 'ACME EXPANSION'", []string{id[0]}},                // case-insensitive like SOQL
		{"SELECT Id FROM Opportunity WHERE Name LIKE 'acme%' ORDER BY Name", []string{id[0], id[2]}}, // "Acme expansion" < "acme pilot" ignoring case
		{"SELECT Id FROM Opportunity WHERE Amount > 5000 ORDER BY Amount DESC", []string{id[0], id[1]}},
		{"SELECT Id FROM Opportunity WHERE Amount = null", []string{id[2], id[3]}},
		{"SELECT Id FROM Opportunity WHERE NextStep != null", []string{id[2]}},
		{"SELECT Id FROM Opportunity WHERE CloseDate > 2026-12-31", []string{id[1]}},
		{"SELECT Id FROM Opportunity WHERE StageName IN ('Qualification', 'Closed Won')", []string{id[0], id[2]}},
		{"SELECT Id FROM Opportunity WHERE IsWon = true OR (IsClosed = false AND Amount < 10000)", []string{id[1], id[2]}},
		{"SELECT Id FROM Opportunity WHERE NOT Name LIKE '%a%'", nil},
		{"SELECT Id FROM Opportunity ORDER BY Amount ASC", []string{id[2], id[3], id[1], id[0]}},                       // nulls first
		{"SELECT Id FROM Opportunity ORDER BY Amount DESC", []string{id[0], id[1], id[2], id[3]}},                      // nulls last
		{"SELECT Id FROM Opportunity ORDER BY Amount ASC NULLS LAST, Name DESC", []string{id[1], id[0], id[3], id[2]}}, // ties broken by Name
		{"SELECT Id FROM Opportunity ORDER BY Name LIMIT 2", []string{id[0], id[2]}},
		{"SELECT Id FROM Opportunity ORDER BY Name LIMIT 2 OFFSET 1", []string{id[2], id[1]}},
		{"SELECT Id FROM Opportunity WHERE Id > '" + id[1] + "'", []string{id[2], id[3]}},
		{"SELECT Id FROM Opportunity WHERE Id = '" + id[1][:15] + "'", []string{id[1]}},
		{"SELECT Id FROM Opportunity WHERE SystemModstamp >= 2026-11-22T10:00:02.000+0000", []string{id[2], id[3]}},
		{"SELECT Id FROM Opportunity WHERE SystemModstamp > 2026-11-22T10:00:01Z", []string{id[2], id[3]}},
		{"SELECT Id FROM Opportunity WHERE SystemModstamp = 2026-11-22T11:00:01+01:00", []string{id[1]}},
		{"SELECT Id FROM Opportunity WHERE Owner.Name = 'Integration User' AND Owner.IsActive = true ORDER BY Id DESC LIMIT 1", []string{id[3]}},
	}
	for _, c := range cases {
		a := o.query(c.q)
		require.Equal(t, http.StatusOK, a.status, "%s: %s", c.q, a.body)
		body := a.json(t)
		records, _ := body["records"].([]any)
		assert.Equal(t, c.want, ids(records), c.q)
		assert.Equal(t, float64(len(c.want)), body["totalSize"], c.q)
		assert.Equal(t, true, body["done"], c.q)
	}
}

func TestQueryRecordShape(t *testing.T) {
	o, id := seedQueryOrg(t)
	a := o.query("SELECT Name, Amount, CloseDate, CoSell_Enabled__c, SystemModstamp, Owner.Name FROM Opportunity WHERE Id = '" + id[0] + "'")
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	// Fields arrive in SELECT order after attributes, with JSON types and SF's date-time format.
	body := string(a.body)
	assert.Contains(t, body, `{"attributes":{"type":"Opportunity","url":"/services/data/v63.0/sobjects/Opportunity/`+id[0]+`"},"Name":"Acme expansion","Amount":125000,"CloseDate":"2026-12-31","CoSell_Enabled__c":true,"SystemModstamp":"2026-11-22T10:00:00.000+0000","Owner":{"attributes":{"type":"User","url":"/services/data/v63.0/sobjects/User/`)
	assert.Contains(t, body, `"Name":"Integration User"}}`)

	c := o.query("SELECT COUNT() FROM Opportunity WHERE CoSell_Enabled__c = true").json(t)
	assert.Equal(t, float64(2), c["totalSize"])
	assert.Empty(t, c["records"])
}

func TestQueryPagingWithNextRecordsURL(t *testing.T) {
	o := newOrg(t, Options{PageSize: 3})
	var want []string
	for i := 0; i < 8; i++ {
		want = append(want, o.create("Opportunity", opp("Deal", nil)))
	}
	a := o.query("SELECT Id FROM Opportunity ORDER BY Id")
	require.Equal(t, http.StatusOK, a.status)
	var got []string
	pages := 0
	body := a.json(t)
	for {
		pages++
		assert.Equal(t, float64(8), body["totalSize"])
		got = append(got, ids(body["records"].([]any))...)
		if body["done"] == true {
			assert.NotContains(t, body, "nextRecordsUrl")
			break
		}
		next := body["nextRecordsUrl"].(string)
		assert.Regexp(t, `^/services/data/v63\.0/query/01g[0-9A-Za-z]{15}-\d+$`, next)
		a = o.call(http.MethodGet, next, nil)
		require.Equal(t, http.StatusOK, a.status, string(a.body))
		body = a.json(t)
	}
	assert.Equal(t, 3, pages)
	assert.Equal(t, want, got)

	// A forged or expired cursor is refused the way Salesforce refuses it.
	bad := o.call(http.MethodGet, "query/01g5g0000000000000-3", nil)
	assert.Equal(t, http.StatusBadRequest, bad.status)
	assert.Equal(t, "INVALID_QUERY_LOCATOR", bad.errs(t)[0]["errorCode"])

	a = o.query("SELECT Id FROM Opportunity")
	next := a.json(t)["nextRecordsUrl"].(string)
	o.clock.Advance(16 * time.Minute)
	o.token = o.login()
	expired := o.call(http.MethodGet, next, nil)
	assert.Equal(t, "INVALID_QUERY_LOCATOR", expired.errs(t)[0]["errorCode"])
}

func TestQueryErrorsUseSalesforceCodesAndWording(t *testing.T) {
	o := newOrg(t, Options{})
	a := o.query("SELECT Id, Foo__c FROM Opportunity")
	require.Equal(t, http.StatusBadRequest, a.status)
	e := a.errs(t)[0]
	assert.Equal(t, "INVALID_FIELD", e["errorCode"])
	assert.Contains(t, e["message"], "No such column 'Foo__c' on entity 'Opportunity'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.")
	assert.Contains(t, e["message"], "ERROR at Row:1:Column:12")

	a = o.query("SELECT Id FROM Opportunity WHERE")
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Equal(t, "MALFORMED_QUERY", a.errs(t)[0]["errorCode"])
	assert.Contains(t, a.errs(t)[0]["message"], "unexpected token: <EOF>")

	a = o.query("SELECT Id FROM Deal__c")
	assert.Equal(t, "INVALID_TYPE", a.errs(t)[0]["errorCode"])
	assert.Contains(t, a.errs(t)[0]["message"], "sObject type 'Deal__c' is not supported.")

	a = o.query("SELECT Id FROM Opportunity WHERE Amount = '12'")
	assert.Equal(t, "MALFORMED_QUERY", a.errs(t)[0]["errorCode"])
	assert.Contains(t, a.errs(t)[0]["message"], "value of filter criterion for field 'Amount' must be of type double and should not be enclosed in quotes")

	a = o.query("SELECT Id FROM Opportunity WHERE SystemModstamp > 2026-11-22")
	assert.Contains(t, a.errs(t)[0]["message"], "must be of type dateTime")

	a = o.query("SELECT Id FROM Opportunity WHERE Id = 'nope'")
	assert.Equal(t, "INVALID_QUERY_FILTER_OPERATOR", a.errs(t)[0]["errorCode"])
	assert.Equal(t, "invalid ID field: nope", a.errs(t)[0]["message"])

	a = o.query("SELECT Id FROM Opportunity WHERE Description = 'x'")
	assert.Equal(t, "INVALID_FIELD", a.errs(t)[0]["errorCode"])

	a = o.query("SELECT Id, Id FROM Opportunity")
	assert.Contains(t, a.errs(t)[0]["message"], "duplicate field selected: Id")

	a = o.call(http.MethodGet, "query", nil)
	assert.Equal(t, "MALFORMED_QUERY", a.errs(t)[0]["errorCode"])
}

func TestTaskQueryByRelatedObjectType(t *testing.T) {
	o := newOrg(t, Options{})
	oppID := o.create("Opportunity", opp("Deal", nil))
	onOpp := o.create("Task", map[string]any{"WhatId": oppID, "Subject": "Call", "Description": "went well"})
	o.create("Task", map[string]any{"Subject": "Unrelated"})
	a := o.query("SELECT Id, What.Type, WhatId FROM Task WHERE What.Type = 'Opportunity'")
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	records := a.json(t)["records"].([]any)
	assert.Equal(t, []string{onOpp}, ids(records))
	what := records[0].(map[string]any)["What"].(map[string]any)
	assert.Equal(t, "Opportunity", what["Type"])
	assert.Equal(t, "Name", what["attributes"].(map[string]any)["type"])
	assert.True(t, strings.HasPrefix(records[0].(map[string]any)["WhatId"].(string), "006"))
}
