package salesforce

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

func TestChangedDealsKeysetPagingNeverSticks(t *testing.T) {
	// Page size 3 with LIMIT 4 makes every ChangedDeals call follow nextRecordsUrl as well.
	e := newEnv(t, sfmock.Options{PageSize: 3}, nil)
	burst := "2026-11-20T08:00:00.000+0000"
	var opps []sfmock.Record
	for i := 0; i < 10; i++ { // more deals on one SystemModstamp than fit in a page
		opps = append(opps, oppSeed(fmt.Sprintf("Burst %d", i), sfmock.Record{"CoSell_Enabled__c": true, "SystemModstamp": burst}))
	}
	for i, stamp := range []string{"2026-11-20T08:00:00.001+0000", "2026-11-20T09:00:00.000+0000", "2026-11-21T00:00:00.000+0000"} {
		opps = append(opps, oppSeed(fmt.Sprintf("Later %d", i), sfmock.Record{"CoSell_Enabled__c": true, "SystemModstamp": stamp}))
	}
	opps = append(opps,
		oppSeed("Not co-sold", sfmock.Record{"SystemModstamp": burst}),
		oppSeed("Not co-sold either", sfmock.Record{"CoSell_Enabled__c": false, "SystemModstamp": "2026-11-20T09:00:00.000+0000"}))
	e.seed(sfmock.SeedData{Opportunities: opps})

	type key struct {
		at time.Time
		id string
	}
	var want []key
	for _, o := range e.fake.Opportunities() {
		if o["CoSell_Enabled__c"] == true {
			at, err := time.Parse(sfTimeLayout, o["SystemModstamp"].(string))
			require.NoError(t, err)
			want = append(want, key{at.UTC(), o["Id"].(string)})
		}
	}
	sort.Slice(want, func(i, j int) bool {
		if !want[i].at.Equal(want[j].at) {
			return want[i].at.Before(want[j].at)
		}
		return want[i].id < want[j].id
	})

	var cur connectors.Cursor
	var got []key
	for calls := 0; ; calls++ {
		require.Less(t, calls, 10, "cursor stuck")
		deals, err := e.conn.ChangedDeals(ctx(t), cur, 4)
		require.NoError(t, err)
		if len(deals) == 0 {
			break
		}
		assert.LessOrEqual(t, len(deals), 4)
		for _, d := range deals {
			require.True(t, cur.Less(d.ModifiedAt, d.RecordID), "deal %s at %s is not after the cursor", d.RecordID, d.ModifiedAt)
			assert.True(t, d.Enabled)
			cur = connectors.Cursor{ModifiedAt: d.ModifiedAt, ID: d.RecordID}
			got = append(got, key{d.ModifiedAt, d.RecordID})
		}
	}
	assert.Equal(t, want, got)
	assert.Greater(t, e.calls("query/more"), 0, "queries were paged through nextRecordsUrl")

	// A change moves a deal behind the cursor's front, and it is the only one returned.
	e.clock.Advance(time.Hour)
	require.NoError(t, e.conn.UpdateDeal(ctx(t), want[3].id, map[string]any{"NextStep": "Call back"}))
	e.clock.Advance(sfmock.DefaultCommitDelay) // queries see the change once committed
	deals, err := e.conn.ChangedDeals(ctx(t), cur, 4)
	require.NoError(t, err)
	require.Len(t, deals, 1)
	assert.Equal(t, want[3].id, deals[0].RecordID)
	assert.Equal(t, "Call back", deals[0].Fields["NextStep"])
}

func TestDealFieldsCarryJSONTypes(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.seed(sfmock.SeedData{Opportunities: []sfmock.Record{oppSeed("Acme", sfmock.Record{
		"Amount": 125000.5, "CoSell_Enabled__c": true, "CoSell_Id__c": "CS-1",
		"CoSell_Partner_Owner_Email__c": "pat@partner.example", "SystemModstamp": "2026-11-21T12:30:45.678+0000"})}})
	deals, err := e.conn.ChangedDeals(ctx(t), connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, deals, 1)
	d := deals[0]
	assert.Equal(t, "CS-1", d.CoSellID)
	assert.True(t, d.Enabled)
	assert.Equal(t, e.fake.IntegrationUserID(), d.OwnerID)
	assert.Equal(t, time.Date(2026, 11, 21, 12, 30, 45, 0, time.UTC), d.ModifiedAt, "Salesforce keeps whole seconds")
	assert.Equal(t, map[string]any{
		"CoSell_Id__c": "CS-1", "CoSell_Enabled__c": true, "OwnerId": e.fake.IntegrationUserID(),
		"CoSell_Partner_Owner_Name__c": nil, "CoSell_Partner_Owner_Email__c": "pat@partner.example",
		"Name": "Acme", "StageName": "Prospecting", "Amount": 125000.5, "CloseDate": "2026-12-31", "NextStep": nil,
	}, d.Fields)
}

func TestGetAndFindDeal(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.seed(sfmock.SeedData{Opportunities: []sfmock.Record{oppSeed("Acme", sfmock.Record{"CoSell_Id__c": "CS-'quoted'\\x"})}})
	id := e.fake.Opportunities()[0]["Id"].(string)

	d, err := e.conn.GetDeal(ctx(t), id)
	require.NoError(t, err)
	assert.Equal(t, "Acme", d.Fields["Name"])
	assert.Equal(t, id, d.RecordID)

	found, ok, err := e.conn.FindDealByCoSellID(ctx(t), "CS-'quoted'\\x")
	require.NoError(t, err)
	require.True(t, ok, "quotes and backslashes are escaped in SOQL")
	assert.Equal(t, id, found.RecordID)

	_, ok, err = e.conn.FindDealByCoSellID(ctx(t), "CS-none")
	require.NoError(t, err)
	assert.False(t, ok)

	_, err = e.conn.GetDeal(ctx(t), "0065g0000009999")
	assert.True(t, errors.Is(err, connectors.ErrNotFound), err)
	ce := requireCRMError(t, err)
	assert.Equal(t, "NOT_FOUND", ce.Code)
	assert.False(t, ce.Retryable)

	_, err = e.conn.GetDeal(ctx(t), "../limits")
	assert.True(t, errors.Is(err, connectors.ErrNotFound))
}

func TestUpsertDealCreatesThenUpdates(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	fields := map[string]any{"Name": "Mirror of Acme", "StageName": "Qualification", "CloseDate": "2027-01-31", "Amount": 99.5,
		"CoSell_Enabled__c": true, "CoSell_Partner_Owner_Name__c": "Pat Lee"}
	res, err := e.conn.UpsertDeal(ctx(t), "CS-42/a", fields)
	require.NoError(t, err)
	assert.True(t, res.Created)
	assert.Regexp(t, `^006`, res.RecordID)

	res2, err := e.conn.UpsertDeal(ctx(t), "CS-42/a", map[string]any{"StageName": "Closed Won", "CoSell_Id__c": "ignored"})
	require.NoError(t, err)
	assert.False(t, res2.Created)
	assert.Equal(t, res.RecordID, res2.RecordID)

	opps := e.fake.Opportunities()
	require.Len(t, opps, 1)
	assert.Equal(t, "CS-42/a", opps[0]["CoSell_Id__c"])
	assert.Equal(t, "Closed Won", opps[0]["StageName"])
	assert.Equal(t, 99.5, opps[0]["Amount"])
	assert.Equal(t, 2, e.calls("PATCH sobjects/Opportunity/ext"), "one request per upsert")
}

func TestUpdateDealStampsCoSellID(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.seed(sfmock.SeedData{Opportunities: []sfmock.Record{oppSeed("Acme", nil)}})
	id := e.fake.Opportunities()[0]["Id"].(string)
	require.NoError(t, e.conn.UpdateDeal(ctx(t), id, map[string]any{"CoSell_Id__c": "CS-7", "CoSell_Enabled__c": true}))
	rec, ok := e.fake.Get(id)
	require.True(t, ok)
	assert.Equal(t, "CS-7", rec["CoSell_Id__c"])

	err := e.conn.UpdateDeal(ctx(t), "0065g0000009999", map[string]any{"Name": "x"})
	assert.True(t, errors.Is(err, connectors.ErrNotFound))
}

func TestRestrictedPicklistIsANonRetryableError(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	_, err := e.conn.UpsertDeal(ctx(t), "CS-1", map[string]any{"Name": "x", "StageName": "Signed", "CloseDate": "2026-12-31"})
	ce := requireCRMError(t, err)
	assert.Equal(t, http.StatusBadRequest, ce.Status)
	assert.Equal(t, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ce.Code)
	assert.Equal(t, "bad value for restricted picklist field: Signed", ce.Message)
	assert.Equal(t, []string{"StageName"}, ce.Fields)
	assert.False(t, ce.Retryable)
	assert.False(t, connectors.IsRetryable(err))
	assert.Equal(t, 1, e.calls("PATCH sobjects/Opportunity/ext"), "validation errors are not retried")

	_, err = e.conn.UpsertDeal(ctx(t), "CS-2", map[string]any{"Amount": 1})
	ce = requireCRMError(t, err)
	assert.Equal(t, "REQUIRED_FIELD_MISSING", ce.Code)
	assert.Equal(t, []string{"Name", "StageName", "CloseDate"}, ce.Fields)
	assert.False(t, ce.Retryable)

	_, err = e.conn.UpsertDeal(ctx(t), "CS-3", map[string]any{"Bogus__c": 1})
	assert.Equal(t, "INVALID_FIELD", requireCRMError(t, err).Code)
}

func TestChangedNotes(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.seed(sfmock.SeedData{Opportunities: []sfmock.Record{oppSeed("Acme", sfmock.Record{"Id": "0065g0000000Acm"})}})
	oppID := e.fake.Opportunities()[0]["Id"].(string)
	e.seed(sfmock.SeedData{Tasks: []sfmock.Record{
		{"WhatId": oppID, "Subject": "Call", "Description": "Intro went well", "SystemModstamp": "2026-11-20T08:00:00.000+0000"},
		{"WhatId": oppID, "Subject": "Subject only", "SystemModstamp": "2026-11-20T08:00:00.000+0000", "CoSell_Note_Key__c": "k-1"},
		{"Subject": "Not on a deal", "SystemModstamp": "2026-11-20T08:00:00.000+0000"},
	}})
	page, err := e.conn.ChangedNotes(ctx(t), connectors.Cursor{}, 1)
	require.NoError(t, err)
	require.Len(t, page.Notes, 1)
	assert.True(t, page.More, "a full page may have more behind it")
	first := page.Notes[0]
	assert.Equal(t, connectors.Cursor{ModifiedAt: first.ModifiedAt, ID: first.ID}, page.Next)
	assert.Equal(t, "Intro went well", first.Body)
	assert.Equal(t, oppID, first.DealRecordID)
	assert.Equal(t, e.fake.IntegrationUserID(), first.AuthorID, "a task without an explicit owner is owned by its creator")

	page, err = e.conn.ChangedNotes(ctx(t), page.Next, 10)
	require.NoError(t, err)
	assert.False(t, page.More)
	notes := page.Notes
	require.Len(t, notes, 1)
	assert.Equal(t, "Subject only", notes[0].Body, "an empty description falls back to the subject")
	assert.Equal(t, "k-1", notes[0].Key)
}

func TestCreateNoteTwiceWritesOneTask(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.seed(sfmock.SeedData{Opportunities: []sfmock.Record{oppSeed("Acme", nil)}})
	oppID := e.fake.Opportunities()[0]["Id"].(string)
	in := connectors.NoteInput{DealRecordID: oppID, Key: "pairing-1/CS-1/note-9", Body: "Partner says: budget approved\nmore", Timestamp: time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC)}

	id1, err := e.conn.CreateNote(ctx(t), in)
	require.NoError(t, err)
	writes := e.fake.Admin().Snapshot().Writes
	stamp := e.fake.Tasks()[0]["SystemModstamp"]
	e.clock.Advance(time.Minute)

	id2, err := e.conn.CreateNote(ctx(t), in)
	require.NoError(t, err)
	assert.Equal(t, id1, id2)
	assert.Equal(t, writes, e.fake.Admin().Snapshot().Writes, "the second call writes nothing")
	tasks := e.fake.Tasks()
	require.Len(t, tasks, 1)
	assert.Equal(t, stamp, tasks[0]["SystemModstamp"], "the existing note is not touched")
	assert.Equal(t, "Partner says: budget approved", tasks[0]["Subject"])
	assert.Equal(t, "Partner says: budget approved\nmore", tasks[0]["Description"])
	assert.Equal(t, "2026-11-21", tasks[0]["ActivityDate"])
	assert.Equal(t, "Completed", tasks[0]["Status"])
	assert.Equal(t, in.Key, tasks[0]["CoSell_Note_Key__c"])
}

func TestCreateNoteConcurrentCallsConverge(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	e.seed(sfmock.SeedData{Opportunities: []sfmock.Record{oppSeed("Acme", nil)}})
	oppID := e.fake.Opportunities()[0]["Id"].(string)
	in := connectors.NoteInput{DealRecordID: oppID, Key: "race", Body: "once"}
	var wg sync.WaitGroup
	ids := make([]string, 8)
	errs := make([]error, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], errs[i] = e.conn.CreateNote(ctx(t), in)
		}()
	}
	wg.Wait()
	for i := range ids {
		require.NoError(t, errs[i])
		assert.Equal(t, ids[0], ids[i])
	}
	assert.Len(t, e.fake.Tasks(), 1)
}

func TestListOwnersAndDescribe(t *testing.T) {
	e := newEnv(t, sfmock.Options{PageSize: 2}, nil)
	e.seed(sfmock.SeedData{Users: []sfmock.Record{
		{"Name": "Ana Ruiz", "Email": "ana@acme.example"},
		{"Name": "Bo Chen", "Email": "bo@acme.example", "IsActive": false},
		{"Name": "Cy Diaz", "Email": "cy@acme.example"},
	}})
	owners, err := e.conn.ListOwners(ctx(t))
	require.NoError(t, err)
	require.Len(t, owners, 4, "all pages")
	assert.Equal(t, connectors.Owner{ID: owners[2].ID, Email: "bo@acme.example", Name: "Bo Chen", Active: false}, owners[2])
	assert.True(t, owners[1].Active)

	s, err := e.conn.DescribeDeals(ctx(t))
	require.NoError(t, err)
	stage, ok := s.Field("StageName")
	require.True(t, ok)
	assert.True(t, stage.Restricted)
	assert.Equal(t, "picklist", stage.Type)
	assert.Contains(t, stage.PicklistValues, "Closed Won")
	assert.Len(t, stage.PicklistValues, 10)
	ext, _ := s.Field("CoSell_Id__c")
	assert.True(t, ext.ExternalID)
}

func TestUpsertDealsBatch(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	var batch []DealUpsert
	for i := 0; i < 250; i++ {
		batch = append(batch, DealUpsert{CoSellID: fmt.Sprintf("CS-%03d", i), Fields: map[string]any{"Name": "x", "StageName": "Prospecting", "CloseDate": "2026-12-31"}})
	}
	batch[7].Fields = map[string]any{"Name": "bad", "StageName": "Nope", "CloseDate": "2026-12-31"}
	res, err := e.conn.UpsertDeals(ctx(t), batch)
	require.NoError(t, err)
	require.Len(t, res, 250)
	for i, r := range res {
		if i == 7 {
			ce := requireCRMError(t, r.Err)
			assert.Equal(t, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ce.Code)
			assert.Equal(t, []string{"StageName"}, ce.Fields)
			assert.False(t, ce.Retryable)
			continue
		}
		require.NoError(t, r.Err, i)
		assert.True(t, r.Created)
	}
	assert.Len(t, e.fake.Opportunities(), 249)
	assert.Equal(t, 1, e.calls("POST composite"), "one API call for the whole batch")

	res, err = e.conn.UpsertDeals(ctx(t), batch[:2])
	require.NoError(t, err)
	assert.False(t, res[0].Created)
	assert.Equal(t, e.fake.Opportunities()[0]["Id"], res[0].RecordID)
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{LoginURL: "login.salesforce.com", ClientID: "a", ClientSecret: "b"},
		{LoginURL: "https://login.salesforce.com", ClientID: "a"},
		{LoginURL: "https://login.salesforce.com", ClientID: "a", ClientSecret: "b", APIVersion: "63"},
		{LoginURL: "https://login.salesforce.com", ClientID: "a", ClientSecret: "b", DealFields: connectors.DealFields{Mapped: []string{"Name; DELETE"}}},
	} {
		_, err := New(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
	c, err := New(Config{LoginURL: "https://acme.my.salesforce.com/", ClientID: "a", ClientSecret: "b"})
	require.NoError(t, err)
	assert.Equal(t, "salesforce", c.Kind())
	assert.Equal(t, DefaultAPIVersion, c.cfg.APIVersion)
	assert.Equal(t, "CoSell_Id__c", c.fields.CoSellID)
	assert.Equal(t, "https://acme.my.salesforce.com", c.cfg.LoginURL)
}
