package hubspot

import (
	"encoding/json"
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
	// The highest counts reached (the daily count, and one app's rolling window), and the requests
	// refused per policy: what GET /__admin/limits shows.
	peakDaily  int
	peakWindow int
	refused    map[string]int
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
	l.peakDaily, l.peakWindow = 0, 0
	l.refused = map[string]int{}
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
		l.refused[policy]++
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
		l.peakWindow = max(l.peakWindow, len(l.windows[cred.bucket]))
	}
	if cred.privateApp {
		l.daily++
		l.peakDaily = max(l.peakDaily, l.daily)
	}
	headers(l.opts.RateLimit - len(l.windows[cred.bucket]))
	return true
}

// Limits is the portal's rate-limit counters (GET /__admin/limits).
type Limits struct {
	// DailyUsed is the private apps' requests counted today (UTC), DailyLimit their allocation.
	DailyUsed  int `json:"dailyUsed"`
	DailyLimit int `json:"dailyLimit"`
	// DailyPeak and WindowPeak are the highest daily count and the highest count of one app's rolling
	// window reached since the portal was created or reset: the evidence that a client never went
	// past a share of either.
	DailyPeak  int `json:"dailyPeak"`
	WindowPeak int `json:"windowPeak"`
	// WindowLimit requests are allowed per WindowMS milliseconds per app.
	WindowLimit int `json:"windowLimit"`
	WindowMS    int `json:"windowMs"`
	// Refused counts the requests answered 429, by policy (DAILY, TEN_SECONDLY_ROLLING, SECONDLY).
	Refused map[string]int `json:"refused"`
}

func (l *rateLimiter) limits(now time.Time) Limits {
	l.mu.Lock()
	defer l.mu.Unlock()
	daily := l.daily
	if now.UTC().Format("2006-01-02") != l.day {
		daily = 0
	}
	out := Limits{DailyUsed: daily, DailyLimit: l.opts.DailyLimit, DailyPeak: l.peakDaily, WindowPeak: l.peakWindow,
		WindowLimit: l.opts.RateLimit, WindowMS: int(l.opts.RateLimitWindow.Milliseconds()), Refused: map[string]int{}}
	for k, v := range l.refused {
		out.Refused[k] = v
	}
	return out
}

// setDaily sets today's count (and the allocation, when limit > 0).
func (l *rateLimiter) setDaily(now time.Time, used, limit int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.day, l.daily = now.UTC().Format("2006-01-02"), used
	if limit > 0 {
		l.opts.DailyLimit = limit
	}
}

// Limits reports the portal's rate-limit counters.
func (s *Server) Limits() Limits { return s.limiter.limits(s.opts.Now()) }

// SetDailyUsage sets the private apps' requests counted today (and the daily allocation, when limit >
// 0), to test running out; SetDailyUsage(0, 0) plays the day resetting. The peaks are kept.
func (s *Server) SetDailyUsage(used, limit int) { s.limiter.setDaily(s.opts.Now(), used, limit) }

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

// handleAdminLimits is GET /__admin/limits: the rate-limit counters.
func (s *Server) handleAdminLimits(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Limits())
}

// handleAdminSetLimits is POST /__admin/limits {"dailyUsed": n, "dailyLimit": m}: sets today's count
// (dailyLimit optional); {"dailyUsed": 0} plays the day resetting.
func (s *Server) handleAdminSetLimits(w http.ResponseWriter, r *http.Request) {
	var in struct {
		DailyUsed  *int `json:"dailyUsed"`
		DailyLimit int  `json:"dailyLimit"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.DailyUsed == nil || *in.DailyUsed < 0 || in.DailyLimit < 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `want {"dailyUsed": n, "dailyLimit": m}`})
		return
	}
	s.SetDailyUsage(*in.DailyUsed, in.DailyLimit)
	w.WriteHeader(http.StatusNoContent)
}
