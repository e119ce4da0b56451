package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/internal/demo"
	"github.com/cosellsync/cosell/mappingcheck"
	hsmock "github.com/cosellsync/cosell/mocks/hubspot"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

// demoFakes are the demo's two CRMs, in-process, with the connection settings the worker would read.
type demoFakes struct {
	sf *sfmock.Server
	hs *hsmock.Server
}

func startDemoFakes(t *testing.T) demoFakes {
	t.Helper()
	sf := sfmock.New(demo.SalesforceOptions())
	sts := httptest.NewServer(sf)
	t.Cleanup(sts.Close)
	require.NoError(t, sf.Seed(demo.Salesforce()))
	opts := demo.HubSpotOptions()
	opts.RateLimit, opts.SearchRateLimit = -1, -1
	hs := hsmock.New(opts)
	hts := httptest.NewServer(hs)
	t.Cleanup(hts.Close)
	require.NoError(t, hs.Seed(demo.HubSpot()))
	for k, v := range map[string]string{
		"COSELL_CONN_ACME_SF_URL": sts.URL, "COSELL_CONN_ACME_SF_CLIENT_ID": demo.SalesforceClientID,
		"COSELL_CONN_ACME_SF_CLIENT_SECRET": demo.SalesforceClientSecret,
		"COSELL_CONN_GLOBEX_HS_URL":         hts.URL, "COSELL_CONN_GLOBEX_HS_TOKEN": demo.HubSpotToken,
	} {
		t.Setenv(k, v)
	}
	return demoFakes{sf: sf, hs: hs}
}

type checkOutput struct {
	Errors   int                    `json:"errors"`
	Warnings int                    `json:"warnings"`
	Findings []mappingcheck.Finding `json:"findings"`
	Fix      *mappingFixResult      `json:"fix"`
}

func runCheck(t *testing.T, args ...string) (checkOutput, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"mapping", "check"}, args...), &out, &errOut)
	var res checkOutput
	if strings.Contains(strings.Join(args, " "), "json") {
		require.NoError(t, json.Unmarshal(out.Bytes(), &res), out.String())
	}
	return res, out.String(), err
}

func findings(res checkOutput, code mappingcheck.Code) []mappingcheck.Finding {
	var out []mappingcheck.Finding
	for _, f := range res.Findings {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

func TestMappingCheckDemoIsClean(t *testing.T) {
	f := startDemoFakes(t)
	res, _, err := runCheck(t, "../../examples/demo/pairing.yaml", "--output", "json")
	require.NoError(t, err)
	assert.Equal(t, 0, res.Errors, "%+v", res.Findings)
	require.Len(t, res.Findings, 1, "%+v", res.Findings)
	w := res.Findings[0]
	assert.Equal(t, mappingcheck.Warning, w.Severity)
	assert.Equal(t, mappingcheck.PicklistUnmapped, w.Code)
	assert.Equal(t, "StageName", w.Field)
	assert.Equal(t, []string{"Needs Analysis", "Perception Analysis", "Negotiation/Review"}, w.Values,
		"the three stages the demo leaves unmapped on purpose")
	assert.Zero(t, f.sf.Admin().Snapshot().Writes, "a check writes nothing")
	assert.Zero(t, f.hs.Admin().Snapshot().Writes, "a check writes nothing")
	assert.NotZero(t, f.hs.Admin().Snapshot().Total, "it did read")

	_, text, err := runCheck(t, "../../examples/demo/pairing.yaml")
	require.NoError(t, err)
	assert.Contains(t, text, "warning side a salesforce StageName (stage): 3 active value(s) of StageName have no entry")
	assert.Contains(t, text, "0 error(s), 1 warning(s)")
}

// brokenDemo is the demo pairing with a HubSpot property renamed to one the portal lacks, the
// prospecting stage left out of the value map, an owner e-mail HubSpot does not know, an owner who left
// Acme, and a Salesforce custom field renamed to one the org lacks.
func brokenDemo(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/demo/pairing.yaml")
	require.NoError(t, err)
	s := string(b)
	for _, r := range [][2]string{
		{"b: hs_next_step", "b: cosell_next_steps"},
		{"      - { canonical: prospecting,  a: Prospecting,            b: appointmentscheduled }\n", ""},
		{"    prospecting: 7d            # days 1-7: identification\n", ""},
		{"b: slee@globex.example", "b: sue.lee@globex.example"},
		{"a: sam.lee@acme.example", "a: former.rep@acme.example"},
		{"a: CoSell_Loss_Reason__c", "a: CoSell_Lost_Reason__c"},
		{"\nowners:\n", "\n" + regionField + "\nowners:\n"},
	} {
		require.Contains(t, s, r[0])
		s = strings.Replace(s, r[0], r[1], 1)
	}
	path := filepath.Join(t.TempDir(), "pairing.yaml")
	require.NoError(t, os.WriteFile(path, []byte(s), 0o644))
	return path
}

// regionField maps a picklist to a HubSpot dropdown lacking one of its values.
const regionField = `  - name: region
    type: picklist
    a: CoSell_Region__c
    b: cosell_region
    values:
      - { canonical: emea, a: EMEA, b: emea }
      - { canonical: apac, a: APAC, b: apac }`

// breakSchemas changes the fakes as admins might: HubSpot's amount made a dropdown, a stage deleted,
// Salesforce's dispute field turned into a restricted picklist, a rep deactivated.
func breakSchemas(t *testing.T, f demoFakes) {
	t.Helper()
	require.NoError(t, f.hs.ChangeProperty("deals", "amount", func(p *hsmock.Property) {
		p.Type, p.FieldType = "enumeration", "select"
		p.Options = []hsmock.PropertyOption{{Label: "Small", Value: "small"}, {Label: "Large", Value: "large"}}
	}))
	require.NoError(t, f.hs.ArchiveStage("default", "contractsent"))
	yes := true
	require.NoError(t, f.sf.ChangeField("Opportunity", "CoSell_Dispute__c", sfmock.FieldChange{Type: "picklist", Restricted: &yes, AddValues: []string{"Wrong split", "Not co-sold"}}))
	require.NoError(t, f.sf.Seed(sfmock.SeedData{Users: []sfmock.Record{{"Name": "Former Rep", "Email": "former.rep@acme.example", "IsActive": false}}}))
	// The region picklist: complete on Salesforce, without apac on HubSpot.
	require.NoError(t, f.sf.ChangeField("Opportunity", "CoSell_Region__c", sfmock.FieldChange{Add: true, Type: "picklist", Restricted: &yes, AddValues: []string{"EMEA", "APAC"}}))
	require.NoError(t, f.hs.Seed(hsmock.SeedData{Properties: map[string][]hsmock.Property{"deals": {{
		Name: "cosell_region", Label: "Region", Type: "enumeration", FieldType: "select", GroupName: "dealinformation",
		Options: []hsmock.PropertyOption{{Label: "EMEA", Value: "emea"}, {Label: "Americas", Value: "amer", DisplayOrder: 1}},
	}}}}))
}

func TestMappingCheckReportsABrokenMappingAndFixesHubSpot(t *testing.T) {
	f := startDemoFakes(t)
	breakSchemas(t, f)
	file := brokenDemo(t)

	res, _, err := runCheck(t, file, "--output", "json")
	require.Error(t, err)
	assert.Equal(t, exitFinding, exitCode(err))
	assert.ErrorContains(t, err, "error(s)")

	type want struct {
		sev   mappingcheck.Severity
		side  string
		field string
		has   string
	}
	expect := map[mappingcheck.Code][]want{
		mappingcheck.FieldMissing: {
			{mappingcheck.Error, "b", "cosell_next_steps", "HubSpot deals has no field cosell_next_steps"},
			{mappingcheck.Error, "a", "CoSell_Lost_Reason__c", "Opportunity has no field CoSell_Lost_Reason__c"},
		},
		mappingcheck.PicklistUnmapped: {
			{mappingcheck.Warning, "a", "StageName", `"Prospecting", "Needs Analysis", "Perception Analysis", "Negotiation/Review"`},
			{mappingcheck.Warning, "b", "dealstage", `"appointmentscheduled"`},
			{mappingcheck.Warning, "b", "cosell_region", `"amer"`},
		},
		mappingcheck.TypeMismatch:       {{mappingcheck.Error, "b", "amount", "amount is an enumeration field and cannot hold field amount, type number"}},
		mappingcheck.ValueNotInPicklist: {{mappingcheck.Error, "b", "cosell_region", `"apac" (apac in the region value map) is not a value of cosell_region: it is a restricted picklist`}},
		mappingcheck.StageMissing:       {{mappingcheck.Error, "b", "dealstage", `stage "contractsent" (proposal in the stage value map) is not a stage of pipeline default`}},
		mappingcheck.RestrictedPicklist: {{mappingcheck.Warning, "a", "CoSell_Dispute__c", "restricted picklist fed with free text from cosell_dispute"}},
		mappingcheck.OwnerUnknown:       {{mappingcheck.Error, "b", "owners", "sue.lee@globex.example (owners › map) is not an owner of Globex"}},
		mappingcheck.OwnerInactive:      {{mappingcheck.Error, "a", "owners", "former.rep@acme.example (owners › map) is an inactive user of Acme"}},
	}
	total := 0
	for code, ws := range expect {
		got := findings(res, code)
		require.Len(t, got, len(ws), "%s: %+v", code, got)
		for i, w := range ws {
			assert.Equal(t, w.sev, got[i].Severity, code)
			assert.Equal(t, w.side, string(got[i].Side), code)
			assert.Equal(t, w.field, got[i].Field, code)
			assert.Contains(t, got[i].Message, w.has, code)
			assert.NotEmpty(t, got[i].Hint, code)
		}
		total += len(ws)
	}
	assert.Len(t, res.Findings, total, "no other finding: %+v", res.Findings)
	assert.Contains(t, findings(res, mappingcheck.FieldMissing)[1].Hint, "did you mean CoSell_Loss_Reason__c?")

	// --fix without --fix-dir is refused: the Salesforce side needs somewhere to write.
	_, _, err = runCheck(t, file, "--fix")
	assert.Equal(t, exitUsage, exitCode(err))

	dir := t.TempDir()
	res, text, err := runCheck(t, file, "--fix", "--fix-dir", dir, "--output", "json")
	_, human, _ := runCheck(t, file, "--fix", "--fix-dir", t.TempDir())
	assert.Contains(t, human, "after the fix:")
	assert.NotContains(t, human, "added option", "nothing left to add on a second fix")
	assert.Contains(t, human, "assign permission set CoSell_Sync_Integration to the integration user")
	assert.Equal(t, exitFinding, exitCode(err), "other errors remain: %s", text)
	require.NotNil(t, res.Fix)
	assert.Equal(t, []string{"b:cosell_next_steps"}, res.Fix.Created)
	require.Len(t, res.Fix.Options, 1)
	assert.Equal(t, []string{"apac"}, res.Fix.Options[0].Added)
	assert.Empty(t, findings(res, mappingcheck.ValueNotInPicklist), "apac is an option after the fix")
	region := propertyOf(t, f.hs, "cosell_region")
	assert.Equal(t, []string{"emea", "amer", "apac"}, optionValues(region), "the existing options are kept")
	for _, m := range findings(res, mappingcheck.FieldMissing) {
		assert.NotEqual(t, "cosell_next_steps", m.Field, "the property exists after the fix")
	}
	assert.Len(t, findings(res, mappingcheck.FieldMissing), 1, "the Salesforce field waits for its deployment")

	created := propertyOf(t, f.hs, "cosell_next_steps")
	assert.Equal(t, "string", created.Type)
	assert.Equal(t, "text", created.FieldType)
	assert.Equal(t, "Next step", created.Label)

	var field mappingcheck.CustomField
	readXML(t, filepath.Join(dir, "objects/Opportunity/fields/CoSell_Lost_Reason__c.field-meta.xml"), &field)
	assert.Equal(t, "CoSell_Lost_Reason__c", field.FullName)
	assert.Equal(t, "Text", field.Type)
	var ps mappingcheck.PermissionSet
	readXML(t, filepath.Join(dir, "permissionsets/CoSell_Sync_Integration.permissionset-meta.xml"), &ps)
	assert.Contains(t, ps.FieldPermissions, mappingcheck.FieldPermission{Editable: true, Field: "Opportunity.CoSell_Lost_Reason__c", Readable: true})
	assert.Contains(t, ps.FieldPermissions, mappingcheck.FieldPermission{Editable: true, Field: "Opportunity.CoSell_Id__c", Readable: true})
	var pkg mappingcheck.Package
	readXML(t, filepath.Join(dir, "package.xml"), &pkg)
	assert.Equal(t, []mappingcheck.PackageType{
		{Members: []string{"Opportunity.CoSell_Lost_Reason__c"}, Name: "CustomField"},
		{Members: []string{mappingcheck.DefaultPermissionSet}, Name: "PermissionSet"},
	}, pkg.Types)
	assert.Equal(t, "63.0", pkg.Version)

	// A second check, no fix: the created property passes; deploying the Salesforce field (the fake's
	// stand-in for the admin's deployment) clears that finding too.
	require.NoError(t, f.sf.ChangeField("Opportunity", "CoSell_Lost_Reason__c", sfmock.FieldChange{Add: true, Type: "string", Length: ptr(255)}))
	res, _, err = runCheck(t, file, "-o", "json")
	assert.Equal(t, exitFinding, exitCode(err))
	assert.Empty(t, findings(res, mappingcheck.FieldMissing), "%+v", res.Findings)
	assert.Len(t, findings(res, mappingcheck.OwnerUnknown), 1, "what --fix cannot fix stays")
}

func TestMappingCheckExitCodes(t *testing.T) {
	startDemoFakes(t)
	t.Run("a pairing file with problems", func(t *testing.T) {
		_, text, err := runCheck(t, "../../pairing/testdata/broken/crm-unknown.yaml")
		assert.Equal(t, exitUsage, exitCode(err))
		assert.Contains(t, text, "crm-unknown.yaml:")
	})
	t.Run("no credentials", func(t *testing.T) {
		t.Setenv("COSELL_CONN_GLOBEX_HS_TOKEN", "")
		_, _, err := runCheck(t, "../../examples/demo/pairing.yaml")
		assert.Equal(t, exitUsage, exitCode(err))
		assert.ErrorContains(t, err, "COSELL_CONN_GLOBEX_HS_TOKEN")
	})
	t.Run("a CRM refusing the credentials", func(t *testing.T) {
		t.Setenv("COSELL_CONN_GLOBEX_HS_TOKEN", "wrong")
		_, _, err := runCheck(t, "../../examples/demo/pairing.yaml")
		assert.Equal(t, exitFinding, exitCode(err))
		assert.ErrorContains(t, err, "side b (hubspot, connection globex-hs)")
	})
	t.Run("--fix-dir without --fix", func(t *testing.T) {
		_, _, err := runCheck(t, "../../examples/demo/pairing.yaml", "--fix-dir", t.TempDir())
		assert.Equal(t, exitUsage, exitCode(err))
	})
	t.Run("no file", func(t *testing.T) {
		_, _, err := runCheck(t)
		assert.Equal(t, exitUsage, exitCode(err))
	})
}

func ptr[T any](v T) *T { return &v }

func propertyOf(t *testing.T, hs *hsmock.Server, name string) hsmock.Property {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/crm/v3/properties/deals/"+name, nil)
	req.Header.Set("Authorization", "Bearer "+demo.HubSpotToken)
	hs.ServeHTTP(rec, req)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	var p hsmock.Property
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	return p
}

func optionValues(p hsmock.Property) []string {
	var out []string
	for _, o := range p.Options {
		out = append(out, o.Value)
	}
	return out
}

func readXML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(b, v), path)
}
