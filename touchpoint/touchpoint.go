package touchpoint

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cosellsync/cosell/vocab"
)

// Touchpoint is one logged contribution of a partner to a deal: the evidence attribution rests on.
type Touchpoint struct {
	// Side is the partner credited: the side the person works for, not the CRM it was read from (a
	// meeting both CRMs hold is one touchpoint).
	Side vocab.Side `json:"side"`
	// Person is who did it, an e-mail or a name as the source gives it; compared without regard to case.
	Person string `json:"person"`
	Kind   Kind   `json:"kind"`
	// At is when it happened (the meeting's start, the e-mail's send time).
	At time.Time `json:"at"`
	// Deal is the co-sell id of the deal it belongs to.
	Deal string `json:"deal"`
	// Source identifies the record it came from, unique per source: "a:task:00T5e00000Abc" for a CRM
	// activity, an id the CLI or API caller chooses. "" when there is none; then the touchpoint is known
	// by its partner, person, kind and time.
	Source string `json:"source,omitempty"`
	// Modified is when the source last changed it, zero when not known: of two versions of one source
	// record, the newer one stands, whatever order they arrive in.
	Modified time.Time `json:"modified,omitzero"`
}

// Validate checks what attribution relies on: a side, a person, a known kind, a time and a deal.
func (t Touchpoint) Validate() error {
	var errs []error
	if t.Side != vocab.A && t.Side != vocab.B {
		errs = append(errs, fmt.Errorf("side %q is not a or b", t.Side))
	}
	if strings.TrimSpace(t.Person) == "" {
		errs = append(errs, errors.New("no person"))
	}
	if !t.Kind.Valid() {
		errs = append(errs, fmt.Errorf("unknown kind %q (want one of %s)", t.Kind, kindList()))
	}
	if t.At.IsZero() {
		errs = append(errs, errors.New("no time"))
	}
	if strings.TrimSpace(t.Deal) == "" {
		errs = append(errs, errors.New("no deal"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("touchpoint %s: %w", t.label(), errors.Join(errs...))
	}
	return nil
}

func (t Touchpoint) label() string {
	if t.Source != "" {
		return t.Source
	}
	return fmt.Sprintf("%s/%s/%s/%s", t.Side, t.Person, t.Kind, t.At.UTC().Format(time.RFC3339))
}

// Key is what makes two records one touchpoint whatever their sources: partner, person (case-folded),
// kind, and time to the minute, since CRMs store a meeting's start at minute precision and one of them
// may add seconds.
type Key struct {
	Side   vocab.Side
	Person string
	Kind   Kind
	Minute int64 // Unix minutes
}

// Key returns the touchpoint's natural key.
func (t Touchpoint) Key() Key {
	return Key{Side: t.Side, Person: strings.ToLower(strings.TrimSpace(t.Person)), Kind: t.Kind, Minute: t.At.Unix() / 60}
}

// id is the touchpoint's identity in a Set: its source, or its natural key when it has none.
func (t Touchpoint) id() string {
	if t.Source != "" {
		return "s:" + t.Source
	}
	return t.keyID()
}

// keyID is the natural key as a string.
func (t Touchpoint) keyID() string {
	k := t.Key()
	return fmt.Sprintf("k:%s|%s|%s|%d", k.Side, k.Person, k.Kind, k.Minute)
}

// compare orders touchpoints canonically: by time, then side, kind, person, source and modified. A
// set's order, its deduplication and its compaction all follow it, so they depend on the touchpoints
// only, never on the order they arrived in.
func compare(x, y Touchpoint) int {
	if c := x.At.Compare(y.At); c != 0 {
		return c
	}
	for _, c := range []int{strings.Compare(string(x.Side), string(y.Side)), strings.Compare(string(x.Kind), string(y.Kind)),
		strings.Compare(x.Key().Person, y.Key().Person), strings.Compare(x.Person, y.Person), strings.Compare(x.Source, y.Source)} {
		if c != 0 {
			return c
		}
	}
	return x.Modified.Compare(y.Modified)
}

// newer reports whether x supersedes y as a version of the same source record: a later Modified, or,
// for equal stamps, the canonically greater version, so that the choice never depends on arrival.
func newer(x, y Touchpoint) bool {
	if c := x.Modified.Compare(y.Modified); c != 0 {
		return c > 0
	}
	return compare(x, y) > 0
}
