package budget

import (
	"errors"
	"fmt"
	"time"
)

// Marker is in every refusal's message, so that a stored message (a change feed's last error) can be
// told apart from a CRM's own error.
const Marker = "API budget guard"

// Refusal is a call the guard did not send: sending it would have taken the product past its share of
// a window. It is not a CRM error: nothing reached the CRM.
type Refusal struct {
	CRM        string `json:"crm"`
	Connection string `json:"connection,omitempty"`
	// Window is Daily or Short.
	Window string `json:"window"`
	// Used is the guard's count of the window, Limit the CRM's limit, Line the most the share allows.
	Used  int   `json:"used"`
	Limit int   `json:"limit"`
	Line  int   `json:"line"`
	Share Share `json:"share"`
	// Interval is the length of a rolling window.
	Interval time.Duration `json:"interval,omitempty"`
	// RetryAfter is when to try again: the next probe of a paused daily budget, or when the short
	// window has room.
	RetryAfter time.Duration `json:"retryAfter"`
	// Learning marks a call held back while the guard's first call learns where the count stands.
	Learning bool `json:"learning,omitempty"`
}

// Error says what was refused and for how long, in the words an admin would use.
func (r *Refusal) Error() string {
	who := r.CRM
	if r.Connection != "" {
		who += " connection " + r.Connection
	}
	wait := r.RetryAfter.Round(time.Millisecond)
	switch {
	case r.Learning:
		return fmt.Sprintf("%s: "+Marker+": one call at a time until the first answer shows where the count stands; next call in %s", who, wait)
	case r.Window == Daily:
		return fmt.Sprintf("%s: "+Marker+": the product's %s share of the daily API budget is used (%d of %d calls counted, the share allows %d); work waits and looks again in %s",
			who, r.Share, r.Used, r.Limit, r.Line, wait)
	default:
		return fmt.Sprintf("%s: "+Marker+": the product's %s share of the rate window is used (%d of %d calls per %s, the share allows %d); next call in %s",
			who, r.Share, r.Used, r.Limit, r.Interval, r.Line, wait)
	}
}

// Paused reports whether the refusal is a pause of the daily budget, worth a durable wait and a word to
// the partners, rather than pacing within the short window.
func (r *Refusal) Paused() bool { return r.Window == Daily && !r.Learning }

// AsRefusal returns the refusal inside err, if there is one.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	if errors.As(err, &r) {
		return r, true
	}
	return nil, false
}
