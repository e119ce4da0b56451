package salesforce

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

var _ connectors.AccountLinker = (*Connector)(nil)

// accountEnv maps the Account's Website and Name, as the demo pairing does.
func accountEnv(t *testing.T, opts sfmock.Options) *env {
	return newEnv(t, opts, func(c *Config) {
		c.DealFields.Mapped = append(c.DealFields.Mapped, "Account.Website", "Account.Name")
	})
}

// Every read path fills Account.Website and Account.Name: SOQL with parent-relationship fields, reads
// by id with one more call for the Accounts of the batch.
func TestDealReadsCarryTheAccountsFields(t *testing.T) {
	e := accountEnv(t, sfmock.Options{CommitDelay: -1})
	e.seed(sfmock.SeedData{
		Accounts: []sfmock.Record{{"Id": "001000000000001AAA", "Name": "Hooli, Inc.", "Website": "https://www.hooli.com"}},
		Opportunities: []sfmock.Record{
			oppSeed("With", sfmock.Record{"AccountId": "001000000000001AAA", "CoSell_Id__c": "CS-1", "CoSell_Enabled__c": true}),
			oppSeed("Without", sfmock.Record{"CoSell_Id__c": "CS-2", "CoSell_Enabled__c": true}),
		},
	})
	opps := e.fake.Opportunities()
	with, without := opps[0]["Id"].(string), opps[1]["Id"].(string)
	check := func(what string, d connectors.Deal, withAccount bool) {
		t.Helper()
		if withAccount {
			assert.Equal(t, "https://www.hooli.com", d.Fields["Account.Website"], what)
			assert.Equal(t, "Hooli, Inc.", d.Fields["Account.Name"], what)
			return
		}
		assert.Contains(t, d.Fields, "Account.Website", what)
		assert.Nil(t, d.Fields["Account.Website"], what)
		assert.Nil(t, d.Fields["Account.Name"], what)
	}

	e.fake.Admin().ResetCalls()
	d, err := e.conn.GetDeal(ctx(t), with)
	require.NoError(t, err)
	check("get by id", d, true)
	assert.Equal(t, 1, e.calls("GET composite/sobjects/Account"), "the Account is read apart")
	d, err = e.conn.GetDeal(ctx(t), without)
	require.NoError(t, err)
	check("get by id, no account", d, false)
	assert.Equal(t, 1, e.calls("GET composite/sobjects/Account"), "no account, no call")

	d, found, err := e.conn.FindDealByCoSellID(ctx(t), "CS-1")
	require.NoError(t, err)
	require.True(t, found)
	check("find by co-sell id (SOQL)", d, true)

	e.fake.Admin().ResetCalls()
	outs := e.conn.GetDealBatch(ctx(t), []string{with, without})
	require.NoError(t, outs[0].Err)
	require.NoError(t, outs[1].Err)
	check("batch", outs[0].Deal, true)
	check("batch", outs[1].Deal, false)
	assert.Equal(t, 1, e.calls("GET composite/sobjects/Opportunity"))
	assert.Equal(t, 1, e.calls("GET composite/sobjects/Account"), "one call for the Accounts of the whole batch")

	changed, err := e.conn.ChangedDeals(ctx(t), connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, changed, 2)
	check("changed (SOQL)", changed[0], true)
	check("changed (SOQL)", changed[1], false)
}

// A deal read under a pairing that maps no Account field reads no Account: the plain-field mapping
// costs what it did.
func TestPlainAccountFieldsReadNoAccount(t *testing.T) {
	e := newEnv(t, sfmock.Options{CommitDelay: -1}, func(c *Config) {
		c.DealFields.Mapped = append(c.DealFields.Mapped, "CoSell_Account_Website__c")
	})
	e.seed(sfmock.SeedData{Opportunities: []sfmock.Record{oppSeed("Plain", sfmock.Record{"CoSell_Account_Website__c": "hooli.com"})}})
	e.fake.Admin().ResetCalls()
	d, err := e.conn.GetDeal(ctx(t), e.fake.Opportunities()[0]["Id"].(string))
	require.NoError(t, err)
	assert.Equal(t, "hooli.com", d.Fields["CoSell_Account_Website__c"])
	assert.Zero(t, e.calls("GET composite/sobjects/Account"))
}

func TestLinkAccountFindsOrCreatesOnce(t *testing.T) {
	// SOQL sees no write for an hour: a retry must not rely on the query to find what it created.
	e := accountEnv(t, sfmock.Options{CommitDelay: -1})
	e.seed(sfmock.SeedData{
		Accounts: []sfmock.Record{{"Name": "Hooli, Inc.", "Website": "https://www.Hooli.com/about"}},
		Opportunities: []sfmock.Record{
			oppSeed("Existing account", nil), oppSeed("New account", nil), oppSeed("Retry", nil),
		},
	})
	opps := e.fake.Opportunities()
	hooli := e.fake.Accounts()[0]["Id"].(string)

	res, err := e.conn.LinkAccount(ctx(t), connectors.AccountLink{DealRecordID: opps[0]["Id"].(string), Key: "domain:hooli.com",
		Domain: "hooli.com", Name: "Hooli", DomainField: "Website", NameField: "Name"})
	require.NoError(t, err)
	assert.Equal(t, connectors.AccountLinkResult{AccountID: hooli}, res, "the Account whose website normalizes to the domain")
	rec, _ := e.fake.Get(opps[0]["Id"].(string))
	assert.Equal(t, hooli, rec["AccountId"])

	e.fake.SetCommitDelay(3600e9)
	link := connectors.AccountLink{DealRecordID: opps[1]["Id"].(string), Key: "domain:initech.example",
		Domain: "initech.example", Name: "Initech", DomainField: "Website", NameField: "Name"}
	first, err := e.conn.LinkAccount(ctx(t), link)
	require.NoError(t, err)
	assert.True(t, first.Created)
	link.DealRecordID = opps[2]["Id"].(string)
	again, err := e.conn.LinkAccount(ctx(t), link)
	require.NoError(t, err)
	assert.Equal(t, first.AccountID, again.AccountID, "a retry finds the Account by its key, before SOQL sees it")
	assert.False(t, again.Created)
	require.Len(t, e.fake.Accounts(), 2, "one Account created, never two")
	created, _ := e.fake.Get(first.AccountID)
	assert.Equal(t, "initech.example", created["Website"])
	assert.Equal(t, "Initech", created["Name"])
	assert.Equal(t, "domain:initech.example", created["CoSell_Account_Key__c"])

	_, err = e.conn.LinkAccount(ctx(t), connectors.AccountLink{DealRecordID: "bad", Key: "domain:x.example"})
	assert.Error(t, err)
}
