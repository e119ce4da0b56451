package mappingcheck

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

const testPairing = `
version: 1
pairing: { id: acme-globex, name: Acme × Globex }
partners:
  a: { name: Acme, crm: salesforce, connection: acme-sf }
  b: { name: Globex, crm: hubspot, connection: globex-hs }
fields:
  - { name: name, a: Name, b: dealname }
  - name: stage
    type: picklist
    a: StageName
    b: dealstage
    values:
      - { canonical: prospecting, a: Prospecting, b: appointmentscheduled }
      - { canonical: qualification, a: Qualification, b: qualifiedtobuy }
      - { canonical: closed_won, a: Closed Won, b: closedwon }
  - { name: amount, type: number, a: Amount, b: amount }
  - { name: close_date, type: date, a: CloseDate, b: closedate }
  - { name: next_step, a: NextStep, b: hs_next_step }
owners:
  map:
    - { a: jane@acme.example, b: jdoe@globex.example }
  fallback: { a: ops@acme.example, b: ops@globex.example }
`

func loadTestPairing(t *testing.T, yaml string) *pairing.Pairing {
	t.Helper()
	p, err := pairing.Parse("pairing.yaml", []byte(yaml))
	require.NoError(t, err)
	return p
}

func rw(f Field) Field { f.Createable, f.Updateable = true, true; return f }

func active(vs ...string) []Value {
	out := make([]Value, len(vs))
	for i, v := range vs {
		out[i] = Value{Value: v, Label: v, Active: true}
	}
	return out
}

// cleanSides describe two CRMs the test pairing works against, with one Salesforce stage left
// unmapped on purpose.
func cleanSides() Sides {
	sf := Side{CRM: "salesforce", Fields: []Field{
		rw(Field{Name: "Name", Type: "string", Kind: KindText, Length: 120}),
		rw(Field{Name: "StageName", Type: "picklist", Kind: KindPicklist, Restricted: true,
			Values: append(active("Prospecting", "Qualification", "Needs Analysis", "Closed Won"), Value{Value: "Retired", Active: false})}),
		rw(Field{Name: "Amount", Type: "currency", Kind: KindNumber}),
		rw(Field{Name: "CloseDate", Type: "date", Kind: KindDate}),
		rw(Field{Name: "NextStep", Type: "string", Kind: KindText, Length: 255}),
		{Name: "IsClosed", Type: "boolean", Kind: KindBool},
		rw(Field{Name: "CoSell_Id__c", Type: "string", Kind: KindText, Length: 255, ExternalID: true, Unique: true}),
		rw(Field{Name: "CoSell_Enabled__c", Type: "boolean", Kind: KindBool}),
		rw(Field{Name: "OwnerId", Type: "reference", Kind: KindReference}),
		rw(Field{Name: "CoSell_Partner_Owner_Name__c", Type: "string", Kind: KindText, Length: 255}),
		rw(Field{Name: "CoSell_Partner_Owner_Email__c", Type: "email", Kind: KindText, Length: 80}),
	}, Owners: []Owner{{Email: "jane@acme.example", Active: true}, {Email: "OPS@acme.example", Active: true}, {Email: "left@acme.example"}}}
	hs := Side{CRM: "hubspot", Pipeline: "default", Pipelines: []Pipeline{
		{ID: "default", Label: "Sales Pipeline", Stages: []string{"appointmentscheduled", "qualifiedtobuy", "closedwon"}},
		{ID: "partners", Label: "Partner Pipeline", Stages: []string{"partnerintro"}},
	}, Fields: []Field{
		rw(Field{Name: "dealname", Type: "string", Kind: KindText}),
		rw(Field{Name: "dealstage", Type: "enumeration", Kind: KindPicklist, Restricted: true, Values: active("appointmentscheduled", "qualifiedtobuy", "closedwon")}),
		rw(Field{Name: "amount", Type: "number", Kind: KindNumber}),
		rw(Field{Name: "closedate", Type: "datetime", Kind: KindDateTime}),
		rw(Field{Name: "hs_next_step", Type: "string", Kind: KindText}),
		rw(Field{Name: "cosell_id", Type: "string", Kind: KindText, ExternalID: true, Unique: true}),
		rw(Field{Name: "cosell_enabled", Type: "bool", Kind: KindBool, Restricted: true, Values: active("true", "false")}),
		rw(Field{Name: "hubspot_owner_id", Type: "enumeration", Kind: KindPicklist, Restricted: true}),
		rw(Field{Name: "cosell_partner_owner_name", Type: "string", Kind: KindText}),
		rw(Field{Name: "cosell_partner_owner_email", Type: "string", Kind: KindText}),
	}, Owners: []Owner{{Email: "jdoe@globex.example", Active: true}, {Email: "ops@globex.example", Active: true}}}
	return Sides{pairing.A: sf, pairing.B: hs}
}

// key is what a finding is identified by in the table.
type key struct {
	sev   Severity
	code  Code
	side  vocab.Side
	field string
}

func keys(fs []Finding) []key {
	out := make([]key, len(fs))
	for i, f := range fs {
		out[i] = key{f.Severity, f.Code, f.Side, f.Field}
	}
	return out
}

func setField(s Sides, side vocab.Side, name string, change func(*Field)) {
	sd := s[side]
	for i := range sd.Fields {
		if sd.Fields[i].Name == name {
			change(&sd.Fields[i])
		}
	}
	s[side] = sd
}

func removeField(s Sides, side vocab.Side, name string) {
	sd := s[side]
	var keep []Field
	for _, f := range sd.Fields {
		if f.Name != name {
			keep = append(keep, f)
		}
	}
	sd.Fields = keep
	s[side] = sd
}

var unmappedStage = key{Warning, PicklistUnmapped, pairing.A, "StageName"}

func TestCheckRules(t *testing.T) {
	a, b := pairing.A, pairing.B
	for _, tc := range []struct {
		name   string
		yaml   func(string) string
		sides  func(Sides)
		want   []key
		assert func(t *testing.T, r Report)
	}{
		{name: "clean but for one unmapped stage", want: []key{unmappedStage}, assert: func(t *testing.T, r Report) {
			assert.Equal(t, []string{"Needs Analysis"}, find(t, r, PicklistUnmapped, a).Values, "inactive values are not asked for")
			assert.Zero(t, r.Errors())
			assert.Empty(t, r.Missing)
		}},
		{name: "a mapped field missing on each side, with a near name", sides: func(s Sides) {
			removeField(s, a, "NextStep")
			setField(s, a, "Name", func(f *Field) { f.Name = "Nme" })
			removeField(s, b, "hs_next_step")
		}, yaml: func(y string) string { return y },
			want: []key{{Error, FieldMissing, a, "Name"}, {Error, FieldMissing, a, "NextStep"}, {Error, FieldMissing, b, "hs_next_step"}, unmappedStage},
			assert: func(t *testing.T, r Report) {
				assert.Contains(t, findField(t, r, "Name").Hint, "did you mean Nme?")
				assert.Contains(t, findField(t, r, "NextStep").Hint, "standard field cannot be created")
				assert.Contains(t, findField(t, r, "hs_next_step").Hint, "--fix creates it")
				require.Len(t, r.Missing, 3)
				assert.Equal(t, Missing{Side: b, CRM: "hubspot", Field: "hs_next_step", Canonical: "next_step", Type: pairing.Text}, r.Missing[2])
			}},
		{name: "missing picklist field carries its side's values for --fix", sides: func(s Sides) { removeField(s, b, "dealstage") },
			want: []key{{Error, FieldMissing, b, "dealstage"}, unmappedStage},
			assert: func(t *testing.T, r Report) {
				assert.Equal(t, []string{"appointmentscheduled", "qualifiedtobuy", "closedwon"}, r.Missing[0].Values)
				assert.Equal(t, pairing.Picklist, r.Missing[0].Type)
			}},
		{name: "salesforce names match whatever their case", yaml: func(y string) string { return replace(y, "a: NextStep", "a: nextstep") },
			want: []key{unmappedStage}},
		{name: "read-only where the sync writes", sides: func(s Sides) {
			setField(s, a, "NextStep", func(f *Field) { f.Updateable, f.Createable = false, false })
			setField(s, b, "amount", func(f *Field) { f.Updateable, f.Createable = false, false })
			setField(s, a, "Amount", func(f *Field) { f.Createable = false })
			setField(s, a, "CloseDate", func(f *Field) { f.Updateable = false })
		}, want: []key{{Warning, FieldNotCreateable, a, "Amount"}, {Error, FieldReadOnly, b, "amount"}, {Error, FieldReadOnly, a, "CloseDate"}, {Error, FieldReadOnly, a, "NextStep"}, unmappedStage}},
		{name: "read-only on the side a one-way field only reads", yaml: func(y string) string {
			return replace(y, "{ name: next_step, a: NextStep, b: hs_next_step }", "{ name: next_step, a: NextStep, b: hs_next_step, direction: a_to_b }")
		}, sides: func(s Sides) {
			setField(s, a, "NextStep", func(f *Field) { f.Updateable, f.Createable = false, false })
		}, want: []key{unmappedStage}},
		{name: "a number mapped to a picklist", yaml: func(y string) string {
			return replace(y, "{ name: next_step, a: NextStep, b: hs_next_step }", "{ name: next_step, a: Amount2, b: dealtype }")
		}, sides: func(s Sides) {
			sf := s[a]
			sf.Fields = append(sf.Fields, rw(Field{Name: "Amount2", Type: "double", Kind: KindNumber}))
			s[a] = sf
			hs := s[b]
			hs.Fields = append(hs.Fields, rw(Field{Name: "dealtype", Type: "enumeration", Kind: KindPicklist, Restricted: true, Values: active("newbusiness")}))
			s[b] = hs
		}, want: []key{{Error, TypeMismatch, b, "dealtype"}, unmappedStage}},
		{name: "a typed field that cannot hold the canonical type", sides: func(s Sides) {
			setField(s, b, "amount", func(f *Field) { f.Type, f.Kind = "date", KindDate })
			setField(s, a, "CloseDate", func(f *Field) { f.Type, f.Kind = "string", KindText })
			setField(s, b, "dealname", func(f *Field) { f.Type, f.Kind = "object_coordinates", KindOther })
		}, want: []key{{Error, TypeMismatch, b, "dealname"}, unmappedStage, {Error, TypeMismatch, b, "amount"}, {Warning, TypeMismatch, a, "CloseDate"}}},
		{name: "free text into a restricted picklist and a number field", sides: func(s Sides) {
			setField(s, a, "NextStep", func(f *Field) {
				f.Type, f.Kind, f.Restricted, f.Values, f.Length = "picklist", KindPicklist, true, active("Call"), 0
			})
			setField(s, b, "dealname", func(f *Field) { f.Type, f.Kind = "number", KindNumber })
		}, want: []key{{Warning, TypeMismatch, b, "dealname"}, unmappedStage, {Warning, RestrictedPicklist, a, "NextStep"}}},
		{name: "a receiving text field shorter than its source", sides: func(s Sides) {
			hs := s[b]
			hs.CRM = "salesforce" // two orgs: both declare lengths
			s[b] = hs
			setField(s, b, "hs_next_step", func(f *Field) { f.Length = 80 })
		}, want: []key{unmappedStage, {Warning, LengthShorter, b, "hs_next_step"}}, assert: func(t *testing.T, r Report) {
			assert.Contains(t, find(t, r, LengthShorter, b).Message, "hs_next_step holds 80 characters and NextStep up to 255")
		}},
		{name: "value map values missing, inactive or misspelt", yaml: func(y string) string {
			y = replace(y, "a: Qualification,", "a: Retired,")
			y = replace(y, "a: Closed Won,", "a: closed won,")
			return replace(y, "b: closedwon", "b: partnerintro")
		}, want: []key{
			{Error, ValueInactive, a, "StageName"}, {Warning, ValueNotInPicklist, a, "StageName"}, {Warning, PicklistUnmapped, a, "StageName"},
			{Error, StageMissing, b, "dealstage"}, {Warning, PicklistUnmapped, b, "dealstage"},
		}, assert: func(t *testing.T, r Report) {
			assert.Equal(t, []string{"Qualification", "Needs Analysis"}, find(t, r, PicklistUnmapped, a).Values)
			assert.Contains(t, find(t, r, StageMissing, b).Hint, "partnerintro is a stage of pipeline partners")
			assert.Equal(t, []string{"closedwon"}, find(t, r, PicklistUnmapped, b).Values)
			assert.Contains(t, find(t, r, PicklistUnmapped, b).Message, "from side b to side a")
		}},
		{name: "a value missing from an unrestricted picklist is a warning", yaml: func(y string) string { return replace(y, "a: Prospecting,", "a: Scouting,") },
			sides: func(s Sides) { setField(s, a, "StageName", func(f *Field) { f.Restricted = false }) },
			want:  []key{{Warning, ValueNotInPicklist, a, "StageName"}, {Warning, PicklistUnmapped, a, "StageName"}}},
		{name: "values of a side whose changes never flow are not asked for", yaml: func(y string) string {
			return replace(y, "    b: dealstage\n", "    b: dealstage\n    direction: b_to_a\n")
		}, want: nil},
		{name: "the co-sell id neither external id nor unique", sides: func(s Sides) {
			setField(s, a, "CoSell_Id__c", func(f *Field) { f.ExternalID, f.Unique = false, false })
			setField(s, b, "cosell_id", func(f *Field) { f.Unique, f.ExternalID = false, false })
		}, want: []key{unmappedStage, {Error, ExternalIDMissing, a, "CoSell_Id__c"}, {Error, ExternalIDMissing, b, "cosell_id"}}, assert: func(t *testing.T, r Report) {
			assert.Contains(t, find(t, r, ExternalIDMissing, a).Message, "not an External ID nor unique")
			assert.Contains(t, find(t, r, ExternalIDMissing, b).Hint, "hasUniqueValue")
		}},
		{name: "bookkeeping fields missing, mistyped or read-only", sides: func(s Sides) {
			removeField(s, b, "cosell_partner_owner_email")
			setField(s, a, "CoSell_Enabled__c", func(f *Field) { f.Type, f.Kind = "string", KindText })
			setField(s, a, "OwnerId", func(f *Field) { f.Createable = false })
			setField(s, b, "cosell_id", func(f *Field) { f.Type, f.Kind = "bool", KindBool })
		}, want: []key{unmappedStage, {Error, TypeMismatch, a, "CoSell_Enabled__c"}, {Error, FieldReadOnly, a, "OwnerId"},
			{Error, TypeMismatch, b, "cosell_id"}, {Error, FieldMissing, b, "cosell_partner_owner_email"}},
			assert: func(t *testing.T, r Report) {
				assert.Equal(t, []Missing{{Side: b, CRM: "hubspot", Field: "cosell_partner_owner_email", Canonical: RolePartnerOwnerEmail, Type: pairing.Text, Role: RolePartnerOwnerEmail}}, r.Missing)
			}},
		{name: "owners unknown or inactive", yaml: func(y string) string {
			y = replace(y, "b: jdoe@globex.example", "b: nobody@globex.example")
			return replace(y, "a: ops@acme.example", "a: left@acme.example")
		}, want: []key{unmappedStage, {Error, OwnerUnknown, b, "owners"}, {Error, OwnerInactive, a, "owners"}}, assert: func(t *testing.T, r Report) {
			assert.Equal(t, []string{"nobody@globex.example"}, find(t, r, OwnerUnknown, b).Values)
			assert.Equal(t, "owners › map", find(t, r, OwnerUnknown, b).Canonical)
			assert.Equal(t, "owners › fallback › a", find(t, r, OwnerInactive, a).Canonical)
		}},
		{name: "an e-mail shared by an inactive and an active user is active", sides: func(s Sides) {
			sf := s[a]
			sf.Owners = append(sf.Owners, Owner{Email: "jane@acme.example", Active: false})
			s[a] = sf
		}, want: []key{unmappedStage}},
		{name: "the mirrors' pipeline missing", sides: func(s Sides) {
			hs := s[b]
			hs.Pipeline = "sales"
			s[b] = hs
		}, want: []key{unmappedStage, {Error, PipelineMissing, b, "pipeline"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := testPairing
			if tc.yaml != nil {
				y = tc.yaml(y)
			}
			sides := cleanSides()
			if tc.sides != nil {
				tc.sides(sides)
			}
			r := Check(loadTestPairing(t, y), sides)
			assert.ElementsMatch(t, tc.want, keys(r.Findings), "%+v", r.Findings)
			for _, f := range r.Findings {
				assert.NotEmpty(t, f.Message)
				assert.NotEmpty(t, f.Hint)
				assert.Equal(t, sides[f.Side].CRM, f.CRM)
			}
			if tc.assert != nil && len(r.Findings) == len(tc.want) && !t.Failed() {
				tc.assert(t, r)
			}
		})
	}
}

func find(t *testing.T, r Report, code Code, side vocab.Side) Finding {
	t.Helper()
	for _, f := range r.Findings {
		if f.Code == code && f.Side == side {
			return f
		}
	}
	t.Fatalf("no %s finding on side %s in %+v", code, side, r.Findings)
	return Finding{}
}

func findField(t *testing.T, r Report, field string) Finding {
	t.Helper()
	for _, f := range r.Findings {
		if f.Field == field {
			return f
		}
	}
	t.Fatalf("no finding on %s in %+v", field, r.Findings)
	return Finding{}
}

func replace(s, old, new string) string {
	out := ""
	n := 0
	for {
		i := indexOf(s, old)
		if i < 0 {
			break
		}
		out += s[:i] + new
		s = s[i+len(old):]
		n++
	}
	if n == 0 {
		panic("replace: " + old + " not found")
	}
	return out + s
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
