package hubspot

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (p *portal) createCompany(props map[string]any) string {
	p.t.Helper()
	r := p.do("POST", "/crm/v3/objects/companies", map[string]any{"properties": props})
	require.Equal(p.t, http.StatusCreated, r.status, r.raw)
	return r.body["id"].(string)
}

func TestCompaniesCreateReadBatchReadSearch(t *testing.T) {
	p := newPortal(t, func(o *Options) { o.SearchIndexLag = -1 })
	hooli := p.createCompany(map[string]any{"name": "Hooli", "domain": "hooli.com"})
	other := p.createCompany(map[string]any{"name": "Initech", "domain": "initech.example"})

	r := p.do("GET", "/crm/v3/objects/companies/"+hooli, nil)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "hooli.com", props(r.body)["domain"], "domain and name are default properties of a read")
	assert.Equal(t, "Hooli", props(r.body)["name"])

	b := p.do("POST", "/crm/v3/objects/companies/batch/read", map[string]any{
		"properties": []string{"domain"}, "inputs": []any{map[string]any{"id": hooli}, map[string]any{"id": other}},
	})
	require.Equal(t, http.StatusOK, b.status, b.raw)
	assert.ElementsMatch(t, []string{hooli, other}, ids(results(b)))

	s := p.do("POST", "/crm/v3/objects/companies/search", map[string]any{
		"filterGroups": []any{map[string]any{"filters": []any{map[string]any{"propertyName": "domain", "operator": "EQ", "value": "hooli.com"}}}},
		"properties":   []string{"domain", "name"},
	})
	require.Equal(t, http.StatusOK, s.status, s.raw)
	assert.Equal(t, []string{hooli}, ids(results(s)))

	bad := p.do("POST", "/crm/v3/objects/companies", map[string]any{"properties": map[string]any{"domian": "x.com"}})
	assert.Equal(t, http.StatusBadRequest, bad.status, "an unknown property is refused: %s", bad.raw)
}

// dealWithTwoCompanies creates a deal whose primary company (type 5, on create) is hooli, and a
// second company associated with the default (unlabeled) endpoint.
func (p *portal) dealWithTwoCompanies() (deal, hooli, second string) {
	p.t.Helper()
	hooli = p.createCompany(map[string]any{"name": "Hooli", "domain": "hooli.com"})
	second = p.createCompany(map[string]any{"name": "Hooli EMEA", "domain": "hooli.eu"})
	r := p.do("POST", "/crm/v3/objects/deals", map[string]any{
		"properties": map[string]any{"dealname": "Rollout", "dealstage": "appointmentscheduled", "pipeline": "default"},
		"associations": []any{map[string]any{"to": map[string]any{"id": hooli},
			"types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}}}},
	})
	require.Equal(p.t, http.StatusCreated, r.status, r.raw)
	deal = r.body["id"].(string)
	put := p.do("PUT", "/crm/v4/objects/deals/"+deal+"/associations/default/companies/"+second, nil)
	require.Equal(p.t, http.StatusOK, put.status, put.raw)
	return deal, hooli, second
}

func TestDealCompanyAssociationsWithThePrimaryLabel(t *testing.T) {
	p := newPortal(t)
	deal, hooli, second := p.dealWithTwoCompanies()
	lonely := p.createDeal(map[string]any{"dealname": "No company"})

	batch := p.do("POST", "/crm/v4/associations/deals/companies/batch/read", map[string]any{"inputs": []any{
		map[string]any{"id": deal}, map[string]any{"id": lonely},
	}})
	require.Equal(t, http.StatusMultiStatus, batch.status, batch.raw)
	res := results(batch)
	require.Len(t, res, 1)
	to := res[0]["to"].([]any)
	require.Len(t, to, 2)
	first := to[0].(map[string]any)
	assert.Equal(t, hooli, numStr(first["toObjectId"]))
	assert.Equal(t, []any{
		map[string]any{"category": "HUBSPOT_DEFINED", "typeId": float64(5), "label": "Primary"},
		map[string]any{"category": "HUBSPOT_DEFINED", "typeId": float64(341), "label": nil},
	}, first["associationTypes"])
	assert.Equal(t, []any{map[string]any{"category": "HUBSPOT_DEFINED", "typeId": float64(341), "label": nil}},
		to[1].(map[string]any)["associationTypes"], "an association made with the default endpoint is unlabeled")
	errs := batch.body["errors"].([]any)
	require.Len(t, errs, 1)
	assert.Equal(t, "crm.associations.NO_ASSOCIATIONS_FOUND", errs[0].(map[string]any)["subCategory"])

	// Labeling another company primary moves the label: a deal has one primary company.
	lab := p.do("PUT", "/crm/v4/objects/deal/"+deal+"/associations/company/"+second, []any{
		map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5},
	})
	require.Equal(t, http.StatusOK, lab.status, lab.raw)
	assert.Equal(t, []any{"Primary"}, lab.body["labels"])
	rec, ok := p.srv.Deal(deal)
	require.True(t, ok)
	assert.Equal(t, second, rec.PrimaryCompany)
	assert.ElementsMatch(t, []string{hooli, second}, rec.Companies)

	back := p.do("GET", "/crm/v4/objects/companies/"+second+"/associations/deals", nil)
	require.Equal(t, http.StatusOK, back.status, back.raw)
	assert.EqualValues(t, 6, results(back)[0]["associationTypes"].([]any)[0].(map[string]any)["typeId"])

	wrong := p.do("PUT", "/crm/v4/objects/deal/"+deal+"/associations/company/"+hooli, []any{
		map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 213},
	})
	assert.Equal(t, http.StatusBadRequest, wrong.status, "a note's association type is no deal–company type")
	missing := p.do("PUT", "/crm/v4/objects/deal/"+deal+"/associations/company/99999", []any{
		map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5},
	})
	assert.Equal(t, http.StatusBadRequest, missing.status)

	require.Equal(t, http.StatusNoContent, p.do("DELETE", "/crm/v4/objects/deals/"+deal+"/associations/companies/"+second, nil).status)
	rec, _ = p.srv.Deal(deal)
	assert.Empty(t, rec.PrimaryCompany, "removing the association removes its label")
	assert.Equal(t, []string{hooli}, rec.Companies)
}

func TestSeedCompaniesWithAPrimaryCompany(t *testing.T) {
	p := newPortal(t)
	require.NoError(t, p.srv.Seed(SeedData{
		Companies: []SeedRecord{{ID: "20000000001", Properties: map[string]any{"name": "Hooli", "domain": "hooli.com"}}},
		Deals: []SeedRecord{{ID: "10000000001", Properties: map[string]any{"dealname": "Rollout", "dealstage": "appointmentscheduled", "pipeline": "default"},
			Companies: []string{"20000000001"}}},
	}))
	rec, ok := p.srv.Deal("10000000001")
	require.True(t, ok)
	assert.Equal(t, "20000000001", rec.PrimaryCompany)
	require.Len(t, p.srv.Companies(), 1)
	assert.Equal(t, []string{"10000000001"}, p.srv.Companies()[0].Associated)
	err := p.srv.Seed(SeedData{Deals: []SeedRecord{{Properties: map[string]any{"dealname": "x"}, Companies: []string{"1"}}}})
	assert.ErrorContains(t, err, "company 1 does not exist")
}

// A v3 read with associations=companies lists each association type apart, under v3's names: the
// primary company twice (deal_to_company, the primary label, and deal_to_company_unlabeled), another
// company once, unlabeled.
func TestV3ReadNamesThePrimaryCompanyLabel(t *testing.T) {
	p := newPortal(t)
	deal, hooli, second := p.dealWithTwoCompanies()

	g := p.do("GET", "/crm/v3/objects/deals/"+deal+"?associations=companies", nil)
	require.Equal(t, http.StatusOK, g.status, g.raw)
	got := map[string][]string{}
	for _, e := range g.body["associations"].(map[string]any)["companies"].(map[string]any)["results"].([]any) {
		m := e.(map[string]any)
		got[m["id"].(string)] = append(got[m["id"].(string)], m["type"].(string))
	}
	assert.ElementsMatch(t, []string{"deal_to_company", "deal_to_company_unlabeled"}, got[hooli])
	assert.Equal(t, []string{"deal_to_company_unlabeled"}, got[second])

	c := p.do("GET", "/crm/v3/objects/companies/"+hooli+"?associations=deals", nil)
	require.Equal(t, http.StatusOK, c.status, c.raw)
	assert.Len(t, c.body["associations"].(map[string]any)["deals"].(map[string]any)["results"], 2, "company_to_deal and its unlabeled twin")
}
