package mappingcheck

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/hubspot"
	"github.com/cosellsync/cosell/connectors/salesforce"
)

func TestKinds(t *testing.T) {
	for typ, want := range map[string]Kind{"string": KindText, "textarea": KindText, "email": KindText, "combobox": KindText,
		"picklist": KindPicklist, "multipicklist": KindPicklist, "currency": KindNumber, "percent": KindNumber, "int": KindNumber,
		"date": KindDate, "datetime": KindDateTime, "boolean": KindBool, "reference": KindReference, "id": KindReference, "address": KindOther} {
		assert.Equal(t, want, SalesforceKind(typ), typ)
	}
	for typ, want := range map[string]Kind{"string": KindText, "number": KindNumber, "date": KindDate, "datetime": KindDateTime,
		"enumeration": KindPicklist, "bool": KindBool, "object_coordinates": KindOther} {
		assert.Equal(t, want, HubSpotKind(typ), typ)
	}
}

func TestFromSalesforce(t *testing.T) {
	s := FromSalesforce(salesforce.ObjectDescribe{Fields: []salesforce.DescribeField{
		{Name: "StageName", Type: "picklist", Length: 255, Createable: true, Updateable: true, RestrictedPicklist: true,
			PicklistValues: []salesforce.PicklistValue{{Value: "Prospecting", Active: true}, {Value: "Old", Active: false}}},
		{Name: "Name", Type: "string", Length: 120, Createable: true, Updateable: true},
		{Name: "Formula__c", Type: "string", Length: 1300, Calculated: true, Updateable: true},
		{Name: "CoSell_Id__c", Type: "string", Length: 255, ExternalID: true, Unique: true},
	}}, []connectors.Owner{{Email: "a@x.example", Active: true}, {Email: "b@x.example"}})
	assert.Equal(t, "salesforce", s.CRM)
	assert.Equal(t, Field{Name: "StageName", Type: "picklist", Kind: KindPicklist, Createable: true, Updateable: true, Restricted: true,
		Values: []Value{{Value: "Prospecting", Active: true}, {Value: "Old"}}}, s.Fields[0], "a picklist's length is not a text limit")
	assert.Equal(t, 120, s.Fields[1].Length)
	assert.False(t, s.Fields[2].Updateable, "a formula is never written")
	assert.True(t, s.Fields[3].ExternalID && s.Fields[3].Unique)
	assert.Equal(t, []Owner{{Email: "a@x.example", Active: true}, {Email: "b@x.example"}}, s.Owners)
}

func TestFromHubSpot(t *testing.T) {
	ro := hubspot.Property{Name: "hs_object_id", Type: "number"}
	ro.ModificationMetadata.ReadOnlyValue = true
	s := FromHubSpot([]hubspot.Property{
		{Name: "dealstage", Type: "enumeration", Options: []hubspot.PropertyOption{{Value: "appointmentscheduled"}, {Value: "otherpipelinestage"}}},
		{Name: "dealtype", Type: "enumeration", Options: []hubspot.PropertyOption{{Value: "newbusiness"}, {Value: "old", Hidden: true}}},
		{Name: "cosell_id", Type: "string", HasUniqueValue: true},
		{Name: "hs_is_closed", Type: "bool", Calculated: true},
		ro,
	}, []connectors.Owner{{Email: "o@x.example", Active: false}}, []hubspot.Pipeline{
		{ID: "default", Stages: []hubspot.Stage{{ID: "appointmentscheduled"}, {ID: "gone", Archived: true}}},
		{ID: "partners", Stages: []hubspot.Stage{{ID: "otherpipelinestage"}}},
	}, "default")
	assert.Equal(t, []Value{{Value: "appointmentscheduled", Active: true}}, s.Fields[0].Values, "dealstage holds the mirrors' pipeline's live stages")
	assert.True(t, s.Fields[0].Restricted)
	assert.Equal(t, []Value{{Value: "newbusiness", Active: true}, {Value: "old"}}, s.Fields[1].Values, "a hidden option is inactive")
	assert.True(t, s.Fields[2].Unique && s.Fields[2].ExternalID)
	assert.False(t, s.Fields[3].Updateable || s.Fields[3].Createable, "calculated")
	assert.False(t, s.Fields[4].Updateable, "readOnlyValue")
	assert.Equal(t, []Pipeline{{ID: "default", Stages: []string{"appointmentscheduled"}}, {ID: "partners", Stages: []string{"otherpipelinestage"}}}, s.Pipelines)
	assert.Equal(t, []Owner{{Email: "o@x.example"}}, s.Owners)
}
