package salesforce

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

func describeField(t *testing.T, d ObjectDescribe, name string) (DescribeField, bool) {
	t.Helper()
	for _, f := range d.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return DescribeField{}, false
}

func TestDescribeObjectReportsWhatAMappingCheckNeeds(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	d, err := e.conn.DescribeObject(ctx(t), "Opportunity")
	require.NoError(t, err)
	assert.Equal(t, "Opportunity", d.Name)

	name, ok := describeField(t, d, "Name")
	require.True(t, ok)
	assert.Equal(t, "string", name.Type)
	assert.Equal(t, 120, name.Length)
	assert.True(t, name.Createable && name.Updateable)

	id, _ := describeField(t, d, "CoSell_Id__c")
	assert.True(t, id.ExternalID && id.Unique && id.Custom)

	stage, _ := describeField(t, d, "StageName")
	assert.True(t, stage.RestrictedPicklist)
	require.NotEmpty(t, stage.PicklistValues)
	assert.Equal(t, PicklistValue{Value: "Prospecting", Label: "Prospecting", Active: true}, stage.PicklistValues[0])

	closed, _ := describeField(t, d, "IsClosed")
	assert.False(t, closed.Updateable, "system fields are read-only")

	amount, _ := describeField(t, d, "Amount")
	assert.Equal(t, "currency", amount.Type)
	assert.Equal(t, 18, amount.Precision)
	assert.Equal(t, 2, amount.Scale)
}

func TestDescribeObjectFollowsAnAdminsChanges(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	no, yes, short := false, true, 20
	require.NoError(t, e.fake.ChangeField("Opportunity", "NextStep", sfmock.FieldChange{Updateable: &no, Createable: &no}))
	require.NoError(t, e.fake.ChangeField("Opportunity", "CoSell_Loss_Reason__c", sfmock.FieldChange{Remove: true}))
	require.NoError(t, e.fake.ChangeField("Opportunity", "CoSell_Status__c", sfmock.FieldChange{Length: &short}))
	require.NoError(t, e.fake.ChangeField("Opportunity", "StageName", sfmock.FieldChange{DeactivateValues: []string{"Needs Analysis"}}))
	require.NoError(t, e.fake.ChangeField("Opportunity", "Type", sfmock.FieldChange{Restricted: &yes}))
	require.NoError(t, e.fake.ChangeField("Opportunity", "CoSell_Id__c", sfmock.FieldChange{ExternalID: &no, Unique: &no}))
	require.Error(t, e.fake.ChangeField("Opportunity", "Nope__c", sfmock.FieldChange{Updateable: &no}))

	d, err := e.conn.DescribeObject(ctx(t), "Opportunity")
	require.NoError(t, err)
	next, _ := describeField(t, d, "NextStep")
	assert.False(t, next.Updateable || next.Createable)
	_, ok := describeField(t, d, "CoSell_Loss_Reason__c")
	assert.False(t, ok)
	status, _ := describeField(t, d, "CoSell_Status__c")
	assert.Equal(t, 20, status.Length)
	typ, _ := describeField(t, d, "Type")
	assert.True(t, typ.RestrictedPicklist)
	id, _ := describeField(t, d, "CoSell_Id__c")
	assert.False(t, id.ExternalID || id.Unique)
	stage, _ := describeField(t, d, "StageName")
	for _, v := range stage.PicklistValues {
		if v.Value == "Needs Analysis" {
			assert.False(t, v.Active)
		}
	}
	s, err := e.conn.DescribeDeals(ctx(t))
	require.NoError(t, err)
	sn, _ := s.Field("StageName")
	assert.NotContains(t, sn.PicklistValues, "Needs Analysis", "DescribeDeals keeps active values only")

	_, err = e.conn.DescribeObject(ctx(t), "Opportunity; DROP")
	assert.Error(t, err)
}
