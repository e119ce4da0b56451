package hubspot

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HubSpot's rate-limit policy names, as a 429 body's policyName gives them.
const (
	policyTenSecondly = "TEN_SECONDLY_ROLLING"
	policyDaily       = "DAILY"
	policySecondly    = "SECONDLY"
)

// rateLimiter enforces HubSpot's limits: a rolling window per app (private app or OAuth app), a daily
// budget shared by the portal's private apps, and a per-second limit on search requests for the portal.
// Refused requests do not count against a limit.
type rateLimiter struct {
	opts Options

	mu      sync.Mutex
	windows map[string][]time.Time
	search  []time.Time
	day     string
	daily   int
}

func newRateLimiter(opts Options) *rateLimiter {
	l := &rateLimiter{opts: opts}
	l.reset()
	return l
}

func (l *rateLimiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.windows = map[string][]time.Time{}
	l.search = nil
	l.day = ""
	l.daily = 0
}

func prune(hits []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(hits) && !hits[i].After(since) {
		i++
	}
	return hits[i:]
}

// admit counts a request against the limits of cred. It sets the rate-limit headers HubSpot sends (not on
// search responses, which carry none) and answers the 429 itself when a limit is reached.
func (l *rateLimiter) admit(w http.ResponseWriter, cred credential, search bool, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if day := now.UTC().Format("2006-01-02"); day != l.day {
		l.day, l.daily = day, 0
	}
	win := l.opts.RateLimitWindow
	hits := prune(l.windows[cred.bucket], now.Add(-win))
	l.windows[cred.bucket] = hits

	headers := func(remaining int) {
		if search {
			return
		}
		h := w.Header()
		if l.opts.RateLimit > 0 {
			h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.FormatInt(win.Milliseconds(), 10))
			h.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(l.opts.RateLimit))
			h.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(max(remaining, 0)))
		}
		if cred.privateApp && l.opts.DailyLimit > 0 {
			h.Set("X-HubSpot-RateLimit-Daily", strconv.Itoa(l.opts.DailyLimit))
			h.Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(max(l.opts.DailyLimit-l.daily, 0)))
		}
	}
	refuse := func(policy string) bool {
		headers(0)
		writeAPIError(w, rateLimitError(l.opts.PortalID, policy, cred.bucket))
		return false
	}

	if cred.privateApp && l.opts.DailyLimit > 0 && l.daily >= l.opts.DailyLimit {
		return refuse(policyDaily)
	}
	if search {
		l.search = prune(l.search, now.Add(-time.Second))
		if l.opts.SearchRateLimit > 0 && len(l.search) >= l.opts.SearchRateLimit {
			return refuse(policySecondly)
		}
		l.search = append(l.search, now)
	} else {
		if l.opts.RateLimit > 0 && len(hits) >= l.opts.RateLimit {
			return refuse(policyTenSecondly)
		}
		l.windows[cred.bucket] = append(hits, now)
	}
	if cred.privateApp {
		l.daily++
	}
	headers(l.opts.RateLimit - len(l.windows[cred.bucket]))
	return true
}

// rateLimitError is HubSpot's 429 body: errorType RATE_LIMIT and the policy that was hit, no category.
func rateLimitError(portalID int, policy, bucket string) *apiError {
	kind := "oauth-app"
	if strings.HasPrefix(bucket, "private-app") || bucket == "" {
		kind = "private-app"
	}
	scope := map[string]string{
		policyTenSecondly: "api-calls-ten-secondly",
		policyDaily:       "api-calls-daily",
		policySecondly:    "crm-search-secondly",
	}[policy]
	return &apiError{
		HTTPStatus: http.StatusTooManyRequests,
		Status:     "error",
		Message:    "You have reached your " + strings.ToLower(policy) + " limit.",
		ErrorType:  "RATE_LIMIT",
		PolicyName: policy,
		GroupName:  "publicapi:" + kind + "-" + scope + ":" + strconv.Itoa(portalID),
	}
}

func (s *Server) rateLimitError(policy, bucket string) *apiError {
	return rateLimitError(s.opts.PortalID, policy, bucket)
}

// setRateHeadersExhausted sets the headers of a spent window, for injected 429 faults.
func (s *Server) setRateHeadersExhausted(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.FormatInt(s.opts.RateLimitWindow.Milliseconds(), 10))
	h.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(max(s.opts.RateLimit, 0)))
	h.Set("X-HubSpot-RateLimit-Remaining", "0")
}
