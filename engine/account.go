package engine

import (
	"fmt"
	"time"

	"github.com/cosellsync/cosell/account"
	"github.com/cosellsync/cosell/vocab"
)

// AccountToClaim is the account the deal claims (issue #9, item 2), from its account domain or, with
// none, its account name; ok is false when it claims none. A deal whose pairing maps neither, or whose
// records hold neither, claims nothing and that is no issue. A value that cannot be read (a domain
// with a space, say) is a sync issue naming it: the deal claims no account, so a conflict with it goes
// unseen until a partner corrects the value, and the issue ends with the claim.
func (e *Engine) AccountToClaim(now time.Time) (account.Key, bool) {
	var domain, name string
	if w := e.st.Fields[vocab.FieldAccountDomain]; w != nil {
		domain = w.Value
	}
	if w := e.st.Fields[vocab.FieldAccountName]; w != nil {
		name = w.Value
	}
	if domain == "" && name == "" {
		e.clearIssue("", vocab.FieldAccountDomain, vocab.IssueRegistration)
		return "", false
	}
	key, err := account.Of(domain, name)
	if err != nil {
		e.setIssue(now, "", vocab.FieldAccountDomain, vocab.IssueRegistration, fmt.Sprintf(
			"the deal's account cannot be told (%v): it claims no account, so a registration conflict with it goes unseen until the value is corrected", err))
		return "", false
	}
	e.clearIssue("", vocab.FieldAccountDomain, vocab.IssueRegistration)
	return key, true
}
