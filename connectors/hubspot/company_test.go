package hubspot_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/hubspot"
	fake "github.com/cosellsync/cosell/mocks/hubspot"
)

var _ connectors.AccountLinker = (*hubspot.Client)(nil)

// companyClient maps the primary company's domain and name, as the demo pairing does.
func companyClient(e *env) *hubspot.Client {
	f := dealFields()
	f.Mapped = append(f.Mapped, "company.domain", "company.name")
	return e.connect(hubspot.Config{PrivateAppToken: privateToken, DealFields: f})
}

func TestDealReadsCarryThePrimaryCompanysFields(t *testing.T) {
	e := newEnv(t, func(o *fake.Options) { o.SearchIndexLag = -1 })
	c := companyClient(e)
	ctx := context.Background()
	require.NoError(t, e.portal.Seed(fake.SeedData{
		Companies: []fake.SeedRecord{
			{ID: "20000000001", Properties: map[string]any{"name": "Hooli", "domain": "hooli.com"}},
			{ID: "20000000002", Properties: map[string]any{"name": "Other", "domain": "other.example"}},
		},
		Deals: []fake.SeedRecord{
			{ID: "10000000001", Properties: map[string]any{"dealname": "With", "cosell_id": "CS-1", "cosell_enabled": "true"}, Companies: []string{"20000000001", "20000000002"}},
			{ID: "10000000002", Properties: map[string]any{"dealname": "Without", "cosell_id": "CS-2", "cosell_enabled": "true"}},
		},
	}))
	check := func(what string, d connectors.Deal, with bool) {
		t.Helper()
		if with {
			assert.Equal(t, "hooli.com", d.Fields["company.domain"], what+": the primary company, not the other one")
			assert.Equal(t, "Hooli", d.Fields["company.name"], what)
			return
		}
		assert.Contains(t, d.Fields, "company.domain", what)
		assert.Nil(t, d.Fields["company.domain"], what)
	}
	e.portal.Admin().ResetCalls()
	d, err := c.GetDeal(ctx, "10000000001")
	require.NoError(t, err)
	check("get", d, true)
	d, found, err := c.FindDealByCoSellID(ctx, "CS-2")
	require.NoError(t, err)
	require.True(t, found)
	check("find", d, false)
	assert.Zero(t, e.calls("POST v4 associations/deals/companies/batch/read"), "a single read asks for its companies in its own call")
	assert.Equal(t, 1, e.calls("POST companies/batch/read"), "the company is read for the deal that has one only")

	e.portal.Admin().ResetCalls()
	outs := c.GetDealBatch(ctx, []string{"10000000001", "10000000002"})
	require.NoError(t, outs[0].Err)
	require.NoError(t, outs[1].Err)
	check("batch", outs[0].Deal, true)
	check("batch", outs[1].Deal, false)
	assert.Equal(t, 1, e.calls("POST deals/batch/read"))
	assert.Equal(t, 1, e.calls("POST v4 associations/deals/companies/batch/read"), "one association read for the batch")
	assert.Equal(t, 1, e.calls("POST companies/batch/read"), "one company read for the batch")

	// The change stream leaves the company fields out, at no call; ReadRelated fills them for the deals
	// the feed delivers.
	e.portal.Admin().ResetCalls()
	changed, err := c.ChangedDeals(ctx, connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, changed, 2)
	assert.NotContains(t, changed[0].Fields, "company.domain")
	assert.Zero(t, e.calls("POST v4 associations/deals/companies/batch/read"))
	require.NoError(t, c.ReadRelated(ctx, []*connectors.Deal{&changed[0], &changed[1]}))
	check("changed", changed[0], true)
	check("changed", changed[1], false)
	assert.Equal(t, 1, e.calls("POST v4 associations/deals/companies/batch/read"))

	e.portal.Admin().ResetCalls()
	_, err = e.client.GetDeal(ctx, "10000000001")
	require.NoError(t, err)
	assert.Zero(t, e.calls("POST v4 associations/deals/companies/batch/read"), "a pairing without company fields reads no company")
}

func TestLinkAccountMakesOneCompanyPrimary(t *testing.T) {
	// Search shows a write only 3 s later (the fake's default lag): a retry cannot rely on it.
	e := newEnv(t)
	c := companyClient(e)
	ctx := context.Background()
	require.NoError(t, e.portal.Seed(fake.SeedData{
		Companies: []fake.SeedRecord{{ID: "20000000001", Properties: map[string]any{"name": "Hooli", "domain": "www.hooli.com"}}},
		Deals: []fake.SeedRecord{
			{ID: "10000000001", Properties: map[string]any{"dealname": "Existing"}},
			{ID: "10000000002", Properties: map[string]any{"dealname": "New"}},
			{ID: "10000000003", Properties: map[string]any{"dealname": "Retry"}},
		},
	}))
	res, err := c.LinkAccount(ctx, connectors.AccountLink{DealRecordID: "10000000001", Key: "domain:hooli.com",
		Domain: "hooli.com", Name: "Hooli, Inc.", DomainField: "domain", NameField: "name"})
	require.NoError(t, err)
	assert.Equal(t, connectors.AccountLinkResult{AccountID: "20000000001"}, res, "the company whose domain normalizes to the domain")
	rec, _ := e.portal.Deal("10000000001")
	assert.Equal(t, "20000000001", rec.PrimaryCompany)

	link := connectors.AccountLink{DealRecordID: "10000000002", Key: "domain:initech.example",
		Domain: "initech.example", Name: "Initech", DomainField: "domain", NameField: "name"}
	first, err := c.LinkAccount(ctx, link)
	require.NoError(t, err)
	assert.True(t, first.Created)
	link.DealRecordID = "10000000003"
	again, err := c.LinkAccount(ctx, link)
	require.NoError(t, err)
	assert.Equal(t, first.AccountID, again.AccountID, "the upsert on the account key finds it before search does")
	assert.False(t, again.Created)
	require.Len(t, e.portal.Companies(), 2, "one company created, never two")
	for _, id := range []string{"10000000002", "10000000003"} {
		rec, _ := e.portal.Deal(id)
		assert.Equal(t, first.AccountID, rec.PrimaryCompany)
	}
	d, err := c.GetDeal(ctx, "10000000003")
	require.NoError(t, err)
	assert.Equal(t, "initech.example", d.Fields["company.domain"])
}
