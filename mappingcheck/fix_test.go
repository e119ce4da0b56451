package mappingcheck

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors/hubspot"
	"github.com/cosellsync/cosell/pairing"
)

func TestHubSpotPropertiesFromTheMapping(t *testing.T) {
	b := pairing.B
	props, skipped := HubSpotProperties([]Missing{
		{Side: b, CRM: "hubspot", Field: "cosell_next_step", Canonical: "next_step", Type: pairing.Text},
		{Side: b, CRM: "hubspot", Field: "cosell_amount", Canonical: "amount", Type: pairing.Number},
		{Side: b, CRM: "hubspot", Field: "cosell_close", Canonical: "close_date", Type: pairing.Date},
		{Side: b, CRM: "hubspot", Field: "cosell_stage", Canonical: "stage", Type: pairing.Picklist, Values: []string{"new", "won"}},
		{Side: b, CRM: "hubspot", Field: "co_id", Canonical: RoleCoSellID, Type: pairing.Text, Role: RoleCoSellID},
		{Side: b, CRM: "hubspot", Field: "co_on", Canonical: RoleEnabled, Type: pairing.Text, Role: RoleEnabled},
		{Side: b, CRM: "hubspot", Field: "hs_next_step", Canonical: "next_step", Type: pairing.Text},
		{Side: b, CRM: "hubspot", Field: "owner_x", Canonical: RoleOwner, Role: RoleOwner},
		{Side: pairing.A, CRM: "salesforce", Field: "X__c", Canonical: "x", Type: pairing.Text},
	})
	require.Len(t, props, 6)
	assert.Equal(t, hubspot.Property{Name: "cosell_next_step", Label: "Next step", Type: "string", FieldType: "text", GroupName: "dealinformation",
		Description: "Mirrored by CoSell Sync (next_step)"}, props[0])
	assert.Equal(t, [2]string{"number", "number"}, [2]string{props[1].Type, props[1].FieldType})
	assert.Equal(t, [2]string{"date", "date"}, [2]string{props[2].Type, props[2].FieldType})
	assert.Equal(t, [2]string{"enumeration", "select"}, [2]string{props[3].Type, props[3].FieldType})
	assert.Equal(t, []hubspot.PropertyOption{{Label: "new", Value: "new"}, {Label: "won", Value: "won"}}, props[3].Options)
	assert.True(t, props[4].HasUniqueValue)
	assert.Equal(t, "Co-sell ID", props[4].Label)
	assert.Equal(t, "bool", props[5].Type)
	assert.Len(t, props[5].Options, 2)
	require.Len(t, skipped, 2)
	assert.Equal(t, "hs_next_step", skipped[0].Missing.Field)
	assert.Contains(t, skipped[0].Reason, "hs_")
	assert.Equal(t, RoleOwner, skipped[1].Missing.Role)
}

func TestSalesforceMetadataParsesBack(t *testing.T) {
	p := loadTestPairing(t, replace(testPairing, "a: NextStep", "a: CoSell_Next_Step__c"))
	sides := cleanSides()
	removeField(sides, pairing.A, "CoSell_Id__c")
	removeField(sides, pairing.A, "CoSell_Enabled__c")
	removeField(sides, pairing.A, "StageName")
	setField(sides, pairing.A, "CoSell_Partner_Owner_Name__c", func(f *Field) { f.Calculated, f.Updateable = true, false })
	r := Check(p, sides)
	files, skipped, err := SalesforceMetadata(p, pairing.A, sides[pairing.A], r.Missing, "v63.0")
	require.NoError(t, err)
	require.Len(t, skipped, 1, "StageName is standard")
	assert.Equal(t, "StageName", skipped[0].Missing.Field)

	byPath := map[string][]byte{}
	var paths []string
	for _, f := range files {
		byPath[f.Path] = f.Content
		paths = append(paths, f.Path)
		assert.True(t, strings.HasPrefix(string(f.Content), xml.Header), f.Path)
	}
	assert.Equal(t, []string{
		"objects/Opportunity/fields/CoSell_Next_Step__c.field-meta.xml",
		"objects/Opportunity/fields/CoSell_Id__c.field-meta.xml",
		"objects/Opportunity/fields/CoSell_Enabled__c.field-meta.xml",
		"permissionsets/CoSell_Sync_Integration.permissionset-meta.xml",
		"package.xml",
	}, paths)

	var next CustomField
	require.NoError(t, xml.Unmarshal(byPath["objects/Opportunity/fields/CoSell_Next_Step__c.field-meta.xml"], &next))
	assert.Equal(t, metadataNS, next.XMLName.Space)
	assert.Equal(t, "CoSell_Next_Step__c", next.FullName)
	assert.Equal(t, "Text", next.Type)
	assert.Equal(t, 255, next.Length)
	assert.Equal(t, "Next step", next.Label)

	var id CustomField
	require.NoError(t, xml.Unmarshal(byPath["objects/Opportunity/fields/CoSell_Id__c.field-meta.xml"], &id))
	assert.True(t, id.ExternalID)
	require.NotNil(t, id.Unique)
	assert.True(t, *id.Unique)
	require.NotNil(t, id.CaseSens)
	assert.False(t, *id.CaseSens)

	var enabled CustomField
	require.NoError(t, xml.Unmarshal(byPath["objects/Opportunity/fields/CoSell_Enabled__c.field-meta.xml"], &enabled))
	assert.Equal(t, "Checkbox", enabled.Type)
	assert.Equal(t, "false", enabled.DefaultValue)
	assert.Zero(t, enabled.Length)

	var ps PermissionSet
	require.NoError(t, xml.Unmarshal(byPath["permissionsets/CoSell_Sync_Integration.permissionset-meta.xml"], &ps))
	assert.Equal(t, []FieldPermission{
		{Editable: true, Field: "Opportunity.CoSell_Enabled__c", Readable: true},
		{Editable: true, Field: "Opportunity.CoSell_Id__c", Readable: true},
		{Editable: true, Field: "Opportunity.CoSell_Next_Step__c", Readable: true},
		{Editable: true, Field: "Opportunity.CoSell_Partner_Owner_Email__c", Readable: true},
		{Editable: false, Field: "Opportunity.CoSell_Partner_Owner_Name__c", Readable: true},
	}, ps.FieldPermissions, "custom fields only (standard ones are not in permission sets), a formula read-only")
	assert.Equal(t, []ObjectPermissions{{AllowCreate: true, AllowEdit: true, AllowRead: true, Object: "Opportunity"}}, ps.ObjectPermissions)

	var pkg Package
	require.NoError(t, xml.Unmarshal(byPath["package.xml"], &pkg))
	assert.Equal(t, "63.0", pkg.Version)
	assert.Equal(t, []PackageType{
		{Members: []string{"Opportunity.CoSell_Enabled__c", "Opportunity.CoSell_Id__c", "Opportunity.CoSell_Next_Step__c"}, Name: "CustomField"},
		{Members: []string{DefaultPermissionSet}, Name: "PermissionSet"},
	}, pkg.Types)
}

func TestSalesforcePicklistAndNumberFields(t *testing.T) {
	cf := customField(Missing{Field: "Stage__c", Canonical: "stage", Type: pairing.Picklist, Values: []string{"Open", "Won"}})
	b, err := marshal(cf)
	require.NoError(t, err)
	var back CustomField
	require.NoError(t, xml.Unmarshal(b, &back))
	assert.Equal(t, "Picklist", back.Type)
	require.NotNil(t, back.ValueSet)
	assert.True(t, back.ValueSet.Restricted)
	assert.Equal(t, []PicklistEntry{{FullName: "Open", Label: "Open"}, {FullName: "Won", Label: "Won"}}, back.ValueSet.Definition.Values)

	n := customField(Missing{Field: "Amt__c", Canonical: "amount", Type: pairing.Number})
	assert.Equal(t, "Number", n.Type)
	assert.Equal(t, 18, n.Precision)
	require.NotNil(t, n.Scale)
	assert.Equal(t, 2, *n.Scale)
	assert.Zero(t, n.Length)
	assert.Equal(t, "Date", customField(Missing{Field: "D__c", Type: pairing.Date}).Type)
	assert.Equal(t, "Email", customField(Missing{Field: "E__c", Role: RolePartnerOwnerEmail}).Type)
}

func TestHubSpotOptionUpdates(t *testing.T) {
	y := replace(testPairing, "owners:\n", `  - name: region
    type: picklist
    a: Region__c
    b: region
    values:
      - { canonical: emea, a: EMEA, b: emea }
      - { canonical: apac, a: APAC, b: apac }
      - { canonical: amer, a: AMER, b: AMER }
      - { canonical: latam, a: LATAM, b: latam }
owners:
`)
	p := loadTestPairing(t, y)
	sides := cleanSides()
	hs := sides[pairing.B]
	hs.Fields = append(hs.Fields, rw(Field{Name: "region", Type: "enumeration", Kind: KindPicklist, Restricted: true,
		Values: []Value{{Value: "emea", Label: "EMEA", Active: true}, {Value: "amer", Label: "Americas", Active: true}, {Value: "latam", Label: "LatAm"}}}))
	sides[pairing.B] = hs
	got := HubSpotOptionUpdates(p, pairing.B, sides[pairing.B])
	require.Len(t, got, 1, "dealstage is the pipeline's, left alone")
	assert.Equal(t, OptionUpdate{Property: "region", Added: []string{"apac"}, Shown: []string{"latam"}, Options: []hubspot.PropertyOption{
		{Label: "EMEA", Value: "emea"}, {Label: "Americas", Value: "amer"}, {Label: "LatAm", Value: "latam"}, {Label: "apac", Value: "apac"},
	}}, got[0], "a case variant (AMER) is the admin's to correct")

	setField(sides, pairing.B, "region", func(f *Field) { f.ReadOnlyDefinition = true })
	assert.Empty(t, HubSpotOptionUpdates(p, pairing.B, sides[pairing.B]), "a HubSpot-defined dropdown cannot be changed")
	assert.Empty(t, HubSpotOptionUpdates(p, pairing.A, sides[pairing.A]), "Salesforce picklists are deployed, not patched")
}
