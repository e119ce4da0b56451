package registration

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cosellsync/cosell/account"
	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/vocab"
)

// Request is a registration as a partner submits it through `cosell deal register` or the HTTP API,
// every value as typed: it is checked by Check before anything is written to a CRM.
type Request struct {
	PairingID string     `json:"pairingId"`
	Partner   vocab.Side `json:"partner"` // the registering partner: a or b
	DealName  string     `json:"dealName"`
	// AccountName is the customer company; Domain its web domain. One of them is needed: the domain
	// is the account's identity when given (more reliable than a name), the name otherwise.
	AccountName string `json:"accountName"`
	Domain      string `json:"domain"`
	// Amount is a plain decimal in Currency ("125000", "99.50").
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	// CloseDate is a calendar date, YYYY-MM-DD.
	CloseDate string `json:"closeDate"`
	// Model is partner_led, vendor_led or true_cosell; empty takes the pairing's default.
	Model string `json:"model,omitempty"`
}

// Registration is a checked Request: normalized values a CRM write and a claim can use as they are.
type Registration struct {
	PairingID   string       `json:"pairingId"`
	Partner     vocab.Side   `json:"partner"`
	DealName    string       `json:"dealName"`
	AccountName string       `json:"accountName,omitempty"`
	Domain      string       `json:"domain,omitempty"` // normalized: lower case, no scheme, www., path or port
	Account     account.Key  `json:"account"`
	Amount      money.Amount `json:"amount"`
	CloseDate   string       `json:"closeDate"` // YYYY-MM-DD
	Model       cosell.Model `json:"model,omitempty"`
}

// maxDealName keeps a deal name within what both CRMs store (Salesforce's Opportunity.Name: 120).
const maxDealName = 120

// Check validates every value of r and returns all the problems at once, each naming its field, so a
// partner fixes a registration in one go; nothing is written anywhere on an error. today bounds the
// close date from below: a new registration closing in the past is a typo.
func Check(r Request, today time.Time) (Registration, error) {
	var problems []error
	bad := func(field, format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	out := Registration{PairingID: strings.TrimSpace(r.PairingID), Partner: r.Partner, DealName: strings.TrimSpace(r.DealName)}
	if out.PairingID == "" {
		bad("pairing", "is required")
	}
	if r.Partner != vocab.A && r.Partner != vocab.B {
		bad("partner", "%q is not a partner of a pairing: use a or b", r.Partner)
	}
	switch {
	case out.DealName == "":
		bad("dealName", "is required")
	case len([]rune(out.DealName)) > maxDealName:
		bad("dealName", "is longer than %d characters", maxDealName)
	}
	out.AccountName = strings.TrimSpace(r.AccountName)
	if strings.TrimSpace(r.Domain) != "" {
		d, err := account.Domain(r.Domain)
		if err != nil {
			bad("domain", "%v", err)
		}
		out.Domain = d
	}
	if key, err := account.Of(out.Domain, out.AccountName); err == nil {
		out.Account = key
	} else if out.Domain != "" || strings.TrimSpace(r.Domain) == "" {
		bad("account", "%v", err)
	}
	cur := strings.TrimSpace(r.Currency)
	switch {
	case cur == "":
		bad("currency", "is required (an ISO 4217 code such as USD or EUR)")
	case !money.Known(cur):
		bad("currency", "%q is not an ISO 4217 currency code this product knows (USD, EUR, GBP, JPY, ...)", cur)
	case strings.TrimSpace(r.Amount) == "":
		bad("amount", "is required")
	default:
		a, err := money.Parse(cur, r.Amount)
		switch {
		case err != nil:
			bad("amount", "%v", err)
		case a.Minor <= 0:
			bad("amount", "%q must be more than zero", r.Amount)
		default:
			out.Amount = a
		}
	}
	if cd := strings.TrimSpace(r.CloseDate); cd == "" {
		bad("closeDate", "is required (YYYY-MM-DD)")
	} else if d, err := time.Parse(time.DateOnly, cd); err != nil {
		bad("closeDate", "%q is not a date in the form YYYY-MM-DD", cd)
	} else if d.Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) {
		bad("closeDate", "%s is in the past", cd)
	} else {
		out.CloseDate = d.Format(time.DateOnly)
	}
	if strings.TrimSpace(r.Model) != "" {
		m, err := cosell.ParseModel(r.Model)
		if err != nil {
			bad("model", "%v", err)
		}
		out.Model = m
	}
	if len(problems) > 0 {
		return Registration{}, &Invalid{Problems: problems}
	}
	return out, nil
}

// Invalid is a registration refused for its values; every problem names its field.
type Invalid struct{ Problems []error }

func (e *Invalid) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return "registration refused: " + strings.Join(msgs, "; ")
}

// IsInvalid reports whether err is a registration refused for its values (a 400, exit code 2).
func IsInvalid(err error) bool {
	var inv *Invalid
	return errors.As(err, &inv)
}
