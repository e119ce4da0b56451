package hubspot

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateGetPatchArchiveDeal(t *testing.T) {
	p := newPortal(t)
	r := p.do("POST", "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{
		"dealname": "Acme", "amount": 125000.00, "closedate": "2026-12-31", "dealstage": "qualifiedtobuy",
		"hubspot_owner_id": "101", "cosell_id": "CS-1", "cosell_enabled": true,
	}})
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	id := r.body["id"].(string)
	assert.Regexp(t, `^\d+$`, id)
	pr := props(r.body)
	assert.Equal(t, "125000", pr["amount"], "numbers are stored as strings without exponent or trailing zeros")
	assert.Equal(t, "2026-12-31T00:00:00Z", pr["closedate"])
	assert.Equal(t, "true", pr["cosell_enabled"])
	assert.Equal(t, "default", pr["pipeline"], "a new deal lands in the default pipeline")
	assert.Equal(t, id, pr["hs_object_id"])
	assert.Equal(t, "2026-11-22T10:00:00.123Z", pr["hs_lastmodifieddate"])
	assert.Equal(t, "2026-11-22T10:00:00.123Z", r.body["createdAt"])
	assert.Equal(t, false, r.body["archived"])

	g := p.do("GET", "/crm/v3/objects/deals/"+id+"?properties=dealname,hs_next_step,not_a_property", nil)
	require.Equal(t, http.StatusOK, g.status)
	gp := props(g.body)
	assert.Equal(t, "Acme", gp["dealname"])
	assert.Contains(t, gp, "hs_next_step")
	assert.Nil(t, gp["hs_next_step"], "unset properties are null")
	assert.NotContains(t, gp, "not_a_property", "unknown requested properties are left out")
	assert.NotContains(t, gp, "amount", "only the requested properties and the server-kept ones")
	assert.Contains(t, gp, "createdate")

	byKey := p.do("GET", "/crm/v3/objects/deals/CS-1?idProperty=cosell_id&properties=cosell_id", nil)
	require.Equal(t, http.StatusOK, byKey.status, byKey.raw)
	assert.Equal(t, id, byKey.body["id"])

	p.clk.Advance(1500 * time.Millisecond)
	u := p.do("PATCH", "/crm/v3/objects/deals/"+id, map[string]any{"properties": map[string]any{"closedate": "1798675200000", "hs_next_step": "Send quote", "amount": ""}})
	require.Equal(t, http.StatusOK, u.status, u.raw)
	up := props(u.body)
	assert.Equal(t, "2026-12-31T00:00:00Z", up["closedate"], "epoch milliseconds are accepted")
	assert.Equal(t, "Send quote", up["hs_next_step"])
	assert.Nil(t, up["amount"], "an empty string clears a property")
	assert.Equal(t, "2026-11-22T10:00:01.623Z", up["hs_lastmodifieddate"])

	d := p.do("DELETE", "/crm/v3/objects/deals/"+id, nil)
	assert.Equal(t, http.StatusNoContent, d.status)
	nf := p.do("GET", "/crm/v3/objects/deals/"+id, nil)
	require.Equal(t, http.StatusNotFound, nf.status)
	assert.Equal(t, "OBJECT_NOT_FOUND", nf.body["category"])
	assert.Equal(t, "resource not found", nf.body["message"])
	arch := p.do("GET", "/crm/v3/objects/deals/"+id+"?archived=true", nil)
	assert.Equal(t, http.StatusOK, arch.status)
	assert.Equal(t, http.StatusNoContent, p.do("DELETE", "/crm/v3/objects/deals/"+id, nil).status, "archiving twice is harmless")
	assert.Equal(t, http.StatusNotFound, p.do("PATCH", "/crm/v3/objects/deals/"+id, map[string]any{"properties": map[string]any{}}).status)
}

func TestInvalidDealStageAnswersHubSpotsValidationError(t *testing.T) {
	p := newPortal(t)
	r := p.do("POST", "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{"dealname": "x", "dealstage": "negotiation"}})
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "error", r.body["status"])
	assert.Equal(t, "VALIDATION_ERROR", r.body["category"])
	msg := r.body["message"].(string)
	require.True(t, strings.HasPrefix(msg, "Property values were not valid: ["), msg)
	var problems []map[string]any
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(msg, "Property values were not valid: ")), &problems))
	require.Len(t, problems, 1)
	assert.Equal(t, "INVALID_OPTION", problems[0]["error"])
	assert.Equal(t, "dealstage", problems[0]["name"])
	assert.Equal(t, false, problems[0]["isValid"])
	assert.Contains(t, problems[0]["message"], "negotiation was not one of the allowed options")
	errs := r.body["errors"].([]any)
	require.Len(t, errs, 1)
	e := errs[0].(map[string]any)
	assert.Equal(t, "INVALID_OPTION", e["code"])
	assert.Equal(t, []any{"dealstage"}, e["context"].(map[string]any)["propertyName"])
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f-]{36}$`), r.body["correlationId"])
	assert.Empty(t, p.srv.Deals(), "nothing is written")
}

func TestValidationReportsEveryInvalidProperty(t *testing.T) {
	p := newPortal(t)
	r := p.do("POST", "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{
		"dealname": "x", "nope": "1", "amount": "lots", "closedate": "next week", "hubspot_owner_id": "103",
		"cosell_enabled": "maybe", "hs_lastmodifieddate": "2026-01-01", "dealtype": "newbusiness",
	}})
	require.Equal(t, http.StatusBadRequest, r.status)
	codes := map[string]string{}
	for _, e := range r.body["errors"].([]any) {
		m := e.(map[string]any)
		codes[m["context"].(map[string]any)["propertyName"].([]any)[0].(string)] = m["code"].(string)
	}
	assert.Equal(t, map[string]string{
		"nope": "PROPERTY_DOESNT_EXIST", "amount": "INVALID_DECIMAL", "closedate": "INVALID_DATETIME",
		"hubspot_owner_id": "INVALID_OWNER_ID", "cosell_enabled": "INVALID_BOOLEAN", "hs_lastmodifieddate": "READ_ONLY_VALUE",
	}, codes)
	assert.Contains(t, r.body["message"], `Property \"nope\" does not exist`)
}

func TestUniqueValueConflict(t *testing.T) {
	p := newPortal(t)
	first := p.createDeal(map[string]any{"dealname": "a", "cosell_id": "CS-1"})
	r := p.do("POST", "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{"dealname": "b", "cosell_id": "CS-1"}})
	require.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "CONFLICT", r.body["category"])
	assert.Contains(t, r.body["message"], first)
	second := p.createDeal(map[string]any{"dealname": "b"})
	u := p.do("PATCH", "/crm/v3/objects/deals/"+second, map[string]any{"properties": map[string]any{"cosell_id": "CS-1"}})
	assert.Equal(t, http.StatusConflict, u.status)
	assert.Equal(t, http.StatusOK, p.do("PATCH", "/crm/v3/objects/deals/"+first, map[string]any{"properties": map[string]any{"cosell_id": "CS-1"}}).status, "a record may keep its own value")
}

func TestListDealsPages(t *testing.T) {
	p := newPortal(t)
	var all []string
	for range 5 {
		all = append(all, p.createDeal(map[string]any{"dealname": "d"}))
	}
	var got []string
	path := "/crm/v3/objects/deals?limit=2&properties=dealname"
	for range 5 {
		r := p.do("GET", path, nil)
		require.Equal(t, http.StatusOK, r.status)
		got = append(got, ids(results(r))...)
		paging, ok := r.body["paging"].(map[string]any)
		if !ok {
			break
		}
		path = "/crm/v3/objects/deals?limit=2&after=" + paging["next"].(map[string]any)["after"].(string)
	}
	assert.Equal(t, all, got)
}

func TestNoteRequiresTimestamp(t *testing.T) {
	p := newPortal(t)
	r := p.do("POST", "/crm/v3/objects/notes", map[string]any{"properties": map[string]any{"hs_note_body": "hi"}})
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.body["message"], "hs_timestamp")
}

func TestUnknownRouteAndBadJSON(t *testing.T) {
	p := newPortal(t)
	assert.Equal(t, http.StatusNotFound, p.do("GET", "/crm/v3/objects/widgets/1", nil).status)
	r := p.do("POST", "/crm/v3/objects/deals", "{not json")
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "VALIDATION_ERROR", r.body["category"])
}

func TestReadWithAssociations(t *testing.T) {
	p := newPortal(t)
	deal := p.createDeal(map[string]any{"dealname": "Acme"})
	note := p.createNote(deal, "hello")
	r := p.do("GET", "/crm/v3/objects/deals/"+deal+"?associations=notes", nil)
	require.Equal(t, http.StatusOK, r.status)
	list := r.body["associations"].(map[string]any)["notes"].(map[string]any)["results"].([]any)
	require.Len(t, list, 1)
	assert.Equal(t, map[string]any{"id": note, "type": "deal_to_note"}, list[0])
	bare := p.do("GET", "/crm/v3/objects/deals/"+deal, nil)
	assert.NotContains(t, bare.body, "associations")
}
