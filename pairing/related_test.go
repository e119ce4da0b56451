package pairing_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/pairing"
)

const demoAccountLine = "  - { name: account_domain, a: Account.Website, b: company.domain }"
const demoNameLine = "  - { name: account_name,   a: Account.Name,    b: company.name }"

// demoWith is the demo pairing with its account_domain mapping replaced, and the line it is on.
func demoWith(t *testing.T, mapping string) ([]byte, int) {
	return demoWithName(t, mapping, demoNameLine)
}

// demoWithName is demoWith with the account_name mapping replaced too.
func demoWithName(t *testing.T, mapping, nameLine string) ([]byte, int) {
	t.Helper()
	data, err := os.ReadFile("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	s := string(data)
	i := strings.Index(s, demoAccountLine)
	require.GreaterOrEqual(t, i, 0, "the demo pairing maps account_domain")
	require.Contains(t, s, demoNameLine, "the demo pairing maps account_name")
	out := s[:i] + mapping + s[i+len(demoAccountLine):]
	out = strings.Replace(out, demoNameLine, nameLine, 1)
	return []byte(out), strings.Count(s[:i], "\n") + 1
}

// related is the demo pairing, which reads the account from the account records.
func related(t *testing.T) *pairing.Pairing {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	return p
}

func TestAPairingReadsTheAccountFromTheAccountRecords(t *testing.T) {
	p := related(t)
	f, ok := p.Field("account_domain")
	require.True(t, ok)
	assert.True(t, f.Related(pairing.A))
	assert.True(t, f.Related(pairing.B))
	assert.Contains(t, p.DealFields(pairing.A).Mapped, "Account.Website", "the connector reads it with the deal")
	assert.Contains(t, p.DealFields(pairing.B).Mapped, "company.domain")

	raw, issues := p.FromCanonical(pairing.B, map[string]string{"account_domain": "hooli.com", "account_name": "Hooli", "name": "Rollout"})
	assert.Empty(t, issues)
	assert.NotContains(t, raw, "company.domain", "a related record's field is never written as a deal property")
	assert.NotContains(t, raw, "company.name")
	assert.Equal(t, "Rollout", raw["dealname"])

	vals, _ := p.ToCanonical(pairing.A, map[string]any{"Account.Website": "https://www.hooli.com", "Account.Name": "Hooli, Inc."})
	assert.Equal(t, "https://www.hooli.com", vals["account_domain"], "read like any field")

	link, ok := p.AccountLink(pairing.A, map[string]string{"account_domain": "https://www.Hooli.com/", "account_name": "Hooli, Inc."})
	require.True(t, ok)
	assert.Equal(t, connectors.AccountLink{Key: "domain:hooli.com", Domain: "hooli.com", Name: "Hooli, Inc.", DomainField: "Website", NameField: "Name"}, link)
	link, ok = p.AccountLink(pairing.B, map[string]string{"account_name": "Hooli, Inc."})
	require.True(t, ok)
	assert.Equal(t, "name:hooli", link.Key, "with no domain the name is the key")
	assert.Equal(t, "domain", link.DomainField)
	_, ok = p.AccountLink(pairing.B, map[string]string{})
	assert.False(t, ok, "no account values, nothing to link")
}

// A pairing that keeps the account on plain deal fields (as pairings did before) writes them as such
// and links nothing.
func TestPlainAccountFieldsAreWrittenAndLinkNothing(t *testing.T) {
	data, _ := demoWithName(t, "  - { name: account_domain, a: CoSell_Account_Website__c, b: cosell_account_domain }",
		"  - { name: account_name,   a: CoSell_Account_Name__c,    b: cosell_account_name }")
	p, err := pairing.Parse("plain.yaml", data)
	require.NoError(t, err)
	f, _ := p.Field("account_domain")
	assert.False(t, f.Related(pairing.A))
	raw, _ := p.FromCanonical(pairing.A, map[string]string{"account_domain": "hooli.com"})
	assert.Equal(t, "hooli.com", raw["CoSell_Account_Website__c"])
	_, ok := p.AccountLink(pairing.A, map[string]string{"account_domain": "hooli.com", "account_name": "Hooli"})
	assert.False(t, ok)
}

func TestRelatedFieldsAreValidatedAtTheirLine(t *testing.T) {
	for _, c := range []struct {
		name, mapping, msg, hint string
	}{
		{"another relationship on Salesforce", "  - { name: account_domain, a: Owner.Email, b: company.domain }",
			`Owner.Email names a related record "Owner", but a salesforce deal (side a) can only be read with its Account`, "Account.Website"},
		{"the Salesforce spelling on HubSpot", "  - { name: account_domain, a: Account.Website, b: Account.Website }",
			`a hubspot deal (side b) can only be read with its company`, "company.domain"},
		{"two dots", "  - { name: account_domain, a: Account.Parent.Website, b: company.domain }",
			"Account.Parent.Website is no field of a salesforce deal nor of its account", ""},
		{"an empty field", "  - { name: account_domain, a: Account.Website, b: company. }",
			"company. is no field of a hubspot deal nor of its account", ""},
		{"a HubSpot name in capitals", "  - { name: account_domain, a: Account.Website, b: company.Domain }",
			`"Domain" is not a hubspot field name in company.Domain`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, line := demoWith(t, c.mapping)
			_, err := pairing.Parse("bad.yaml", data)
			var ps *pairing.Problems
			require.True(t, errors.As(err, &ps), "want problems, got %v", err)
			require.Len(t, ps.List, 1, "%v", ps)
			assert.Equal(t, line, ps.List[0].Line)
			assert.Equal(t, "bad.yaml", ps.List[0].File)
			assert.Contains(t, ps.List[0].Message, c.msg)
			assert.Contains(t, ps.List[0].Hint, c.hint)
		})
	}
}
