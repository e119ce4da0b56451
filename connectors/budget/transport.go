package budget

import (
	"log/slog"
	"net/http"
)

// Transport puts a Guard in front of an HTTP transport: each request is let through or refused before
// it is sent (a refusal is the RoundTrip error, a *Refusal), and the budget figures of each answer go
// back into the guard. Place it where every attempt passes, below any retrying layer, so that a
// transport retry is counted like any other call.
type Transport struct {
	Guard *Guard
	// Next sends the request; http.DefaultTransport when nil.
	Next http.RoundTripper
	// Cost says what a request spends; nil counts every request in both windows.
	Cost func(*http.Request) Cost
	// Read takes the budget figures from an answer (SalesforceReading, HubSpotReading).
	Read func(*http.Response) Reading
}

// RoundTrip admits, sends and reads back one attempt.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	cost := Full
	if t.Cost != nil {
		cost = t.Cost(req)
	}
	tk, err := t.Guard.Admit(cost)
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close() // a RoundTripper closes the body, even on error
		}
		return nil, err
	}
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(req)
	if err != nil {
		tk.Done(Reading{})
		return nil, err
	}
	r := Reading{}
	if t.Read != nil {
		r = t.Read(resp)
	}
	tk.Done(r)
	return resp, nil
}

// TransportLogger is the logger to give a retrying HTTP client (go-retryablehttp's LeveledLogger) that
// runs over a Transport: it logs an attempt the guard refused at debug level, not as a failed request,
// since nothing failed and nothing was sent; everything else goes to the slog.Logger as it is.
type TransportLogger struct{ *slog.Logger }

// Error logs a failed attempt, or a refused one at debug level.
func (l TransportLogger) Error(msg string, keysAndValues ...any) {
	for _, v := range keysAndValues {
		if err, ok := v.(error); ok {
			if _, refused := AsRefusal(err); refused {
				l.Logger.Debug(msg, keysAndValues...)
				return
			}
		}
	}
	l.Logger.Error(msg, keysAndValues...)
}
