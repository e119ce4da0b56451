package pairing

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cosellsync/cosell/account"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/vocab"
)

// A field mapping may name a field of the record a deal belongs to rather than of the deal (issue #9):
// `Account.Website` on Salesforce (the opportunity's Account) and `company.domain` on HubSpot (the deal's
// primary associated company). Such a field is read with the deal and never written as a property of
// it; a deal the sync creates is linked to the account instead (found by domain or name, or created).
var relatedSyntax = map[string]struct {
	record string
	field  *regexp.Regexp
	// example is a well-formed mapping, for hints.
	example string
}{
	Salesforce: {record: connectors.SalesforceAccount, field: regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`), example: "Account.Website"},
	HubSpot:    {record: connectors.HubSpotCompany, field: regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`), example: "company.domain"},
}

// Related reports whether side s keeps f on a related record (Account.Website, company.domain) rather
// than on the deal: the sync reads it there and never writes it.
func (f Field) Related(s Side) bool {
	_, _, ok := connectors.SplitRelated(f.On(s))
	return ok
}

// checkRelated validates a CRM field name with a dot: it must name a field of the record that CRM
// keeps a deal's account on, written the way that CRM's API spells it.
func (d *decoder) checkRelated(at *yaml.Node, s Side, crm, field, name string) {
	if !strings.Contains(name, ".") {
		return
	}
	syn, known := relatedSyntax[crm]
	record, rest, ok := connectors.SplitRelated(name)
	switch {
	case !known:
		return // an unknown CRM is reported on the partner
	case !ok || strings.Contains(rest, "."):
		d.report(at, fmt.Sprintf("%s is no field of a %s deal nor of its account", name, crm),
			fmt.Sprintf("name a deal field, or a field of the deal's account as %s", syn.example))
	case record != syn.record:
		d.report(at, fmt.Sprintf("%s names a related record %q, but a %s deal (side %s) can only be read with its %s",
			name, record, crm, s, syn.record),
			fmt.Sprintf("write the account's field as %s, or name a field of the deal itself", syn.example))
	case !syn.field.MatchString(rest):
		d.report(at, fmt.Sprintf("%q is not a %s field name in %s (field %s)", rest, crm, name, field),
			fmt.Sprintf("write the account's field as %s", syn.example))
	}
}

// AccountLink is the account a deal created on side s is linked to, from the canonical values it is
// created with: ok is false when side s keeps neither the account's domain nor its name on a related
// record, or the values name no account. The domain and name are the account fields the pairing maps
// there.
func (p *Pairing) AccountLink(s Side, values map[string]string) (connectors.AccountLink, bool) {
	var link connectors.AccountLink
	for _, canonical := range []string{vocab.FieldAccountDomain, vocab.FieldAccountName} {
		f, ok := p.Field(canonical)
		if !ok || !f.Related(s) {
			continue
		}
		_, field, _ := connectors.SplitRelated(f.On(s))
		v := strings.TrimSpace(values[canonical])
		if canonical == vocab.FieldAccountDomain {
			link.DomainField = field
			if d, err := account.Domain(v); err == nil {
				link.Domain = d
			}
		} else {
			link.NameField, link.Name = field, v
		}
	}
	if link.DomainField == "" && link.NameField == "" {
		return connectors.AccountLink{}, false
	}
	key, err := account.Of(link.Domain, link.Name)
	if err != nil || key == "" {
		return connectors.AccountLink{}, false
	}
	link.Key = string(key)
	return link, true
}
