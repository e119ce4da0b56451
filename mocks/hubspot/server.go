package hubspot

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cosellsync/cosell/mocks/mockkit"
)

// Options configures a fake portal. Zero values take HubSpot's own defaults, so Options{} with one
// private-app token behaves like a new Free/Starter portal.
type Options struct {
	// PrivateAppTokens are the static bearer tokens accepted, as a private app's access token is.
	PrivateAppTokens []string
	// ClientID and ClientSecret identify the one OAuth app POST /oauth/v1/token accepts.
	ClientID     string
	ClientSecret string
	// RefreshTokens are the refresh tokens the OAuth app may trade for access tokens.
	RefreshTokens []string
	// TokenTTL is how long an OAuth access token lives; HubSpot's is 30 minutes (the default).
	TokenTTL time.Duration

	// RateLimit is the number of requests allowed per RateLimitWindow for each private app, and for the
	// OAuth app: 100 by default, as for a private app on a Free or Starter portal. Negative disables it.
	RateLimit int
	// RateLimitWindow is the rolling window of RateLimit, 10 s by default as in HubSpot. Tests shorten it
	// so that a client honouring the window does not sleep for seconds; the headers report it.
	RateLimitWindow time.Duration
	// DailyLimit is the number of requests private apps may make per UTC day, together: 250,000 by
	// default. OAuth apps have no daily limit in HubSpot, so none here. Negative disables it.
	DailyLimit int
	// SearchRateLimit is the number of search requests allowed per second for the portal, 5 by default
	// as in HubSpot. Negative disables it.
	SearchRateLimit int
	// SearchPageCap is the number of results a search can page through, 10,000 by default; paging past
	// it answers 400 as HubSpot does.
	SearchPageCap int

	// SearchIndexLag is how long after a write the search endpoints show it, DefaultSearchIndexLag (3 s)
	// by default; reads by id see writes at once. Negative makes search see writes at once, which real
	// HubSpot never does: use it only where a test is about something else. SetSearchIndexLag and
	// POST /__admin/search-index change it on a running fake.
	SearchIndexLag time.Duration

	// MergeKeepsPrimaryID makes a merge keep the primary record's id. By default a merge creates a
	// record with a new id, as HubSpot does for deals, so a client that assumes the primary survives
	// fails here first.
	MergeKeepsPrimaryID bool

	// Webhooks sends the app's webhooks (see webhooks.go): the target URL, the app's client secret that
	// signs them, and delivery faults. The zero value sends none. SetWebhooks and /__admin/webhooks
	// change them on a running fake.
	Webhooks mockkit.WebhookKnobs
	// AppID is the app id webhook events carry; default 7654321.
	AppID int

	// PortalID is the account (hub) id shown in error bodies, rate-limit group names, the account details
	// (GET /account-info/v3/details) and the record pages' paths (/contacts/{portalId}/record/0-3/{id}).
	PortalID int
	// Now is the clock; tests fix it to give many records one modification time. Defaults to time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.TokenTTL == 0 {
		o.TokenTTL = 30 * time.Minute
	}
	if o.RateLimit == 0 {
		o.RateLimit = 100
	}
	if o.RateLimitWindow == 0 {
		o.RateLimitWindow = 10 * time.Second
	}
	if o.DailyLimit == 0 {
		o.DailyLimit = 250_000
	}
	if o.SearchRateLimit == 0 {
		o.SearchRateLimit = 5
	}
	if o.SearchPageCap == 0 {
		o.SearchPageCap = 10_000
	}
	if o.SearchIndexLag == 0 {
		o.SearchIndexLag = DefaultSearchIndexLag
	}
	if o.PortalID == 0 {
		o.PortalID = 24681357
	}
	if o.AppID == 0 {
		o.AppID = 7654321
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Server is a fake HubSpot portal. It is an http.Handler serving the API at the root, the admin surface
// under /__admin/ and a status page at GET /; it is safe for concurrent use.
type Server struct {
	opts     Options
	admin    *mockkit.Admin
	api      *http.ServeMux
	routes   map[string]route
	root     http.Handler
	limiter  *rateLimiter
	bootTime time.Time

	mu      sync.Mutex
	props   map[*objectType]*propertySet
	objects map[*objectType]map[string]*object
	links   map[link]time.Time
	// primary is each deal's primary company (deal id to company id), a label on one of its links.
	primary map[string]string
	owners  []*owner
	// archivedStages are the pipeline stages an admin deleted ("pipelineId/stageId"): HubSpot archives
	// them, so pipelines no longer list them and deals cannot enter them.
	archivedStages map[string]bool
	nextID         int64
	tokens         map[string]*accessToken
	tokenSeq       int
	index          *searchIndex
	// mergedInto maps the ids of merged-away records to the record they now answer as.
	mergedInto map[*objectType]map[string]string

	hooks *mockkit.Webhooks[webhookEvent]
	// pendingHooks are the webhook events of the request under way, sent when it is over.
	pendingHooks []webhookEvent
	eventSeq     int64
}

// route is one API operation: its counter name and whether it writes, and whether it is a search
// (searches have their own rate limit and carry no rate-limit headers).
type route struct {
	ep     mockkit.Endpoint
	search bool
	public bool
}

// New returns a fake portal with HubSpot's default deal, note and task properties, the default sales pipeline
// and no records or owners; seed them with Seed or POST /__admin/seed.
func New(opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		opts:     opts,
		admin:    mockkit.NewAdmin(),
		api:      http.NewServeMux(),
		routes:   map[string]route{},
		bootTime: opts.Now().UTC().Truncate(time.Millisecond),
	}
	s.limiter = newRateLimiter(opts)
	s.hooks = mockkit.NewWebhooks(webhookFormat(), opts.Webhooks)
	s.resetData()
	s.registerRoutes()

	mux := http.NewServeMux()
	s.admin.Mount(mux, s.SeedJSON, s.resetData)
	mux.HandleFunc("POST /__admin/oauth/expire", s.handleAdminExpire)
	mockkit.MountWebhooks(mux, s.hooks)
	mux.HandleFunc("GET /__admin/limits", s.handleAdminLimits)
	mux.HandleFunc("POST /__admin/limits", s.handleAdminSetLimits)
	mockkit.MountDelay(mux, "/__admin/search-index", mockkit.Delay{Get: s.SearchIndexLag, Set: s.SetSearchIndexLag, Flush: s.FlushSearchIndex})
	mux.HandleFunc("GET /__admin/deals", s.handleAdminRecords(dealType))
	mux.HandleFunc("GET /__admin/notes", s.handleAdminRecords(noteType))
	mux.HandleFunc("GET /__admin/tasks", s.handleAdminRecords(taskType))
	mux.HandleFunc("GET /{$}", s.handlePage)
	mux.HandleFunc("GET /contacts/{portalId}/record/{objectTypeId}/{id}", s.handleRecordPage)
	mux.Handle("/", s.admin.Middleware(s.classify, s.defaultFaultError, http.HandlerFunc(s.serveAPI)))
	s.root = mux
	return s
}

// ServeHTTP serves the fake API, the admin surface and the status page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.root.ServeHTTP(w, r) }

// Admin returns the shared admin surface (counters, faults) so in-process tests can use it directly.
func (s *Server) Admin() *mockkit.Admin { return s.admin }

// Options returns the options in force, defaults filled in.
func (s *Server) Options() Options { return s.opts }

func (s *Server) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }

// resetData wipes records, owners, associations, custom properties and issued tokens, back to a new portal.
func (s *Server) resetData() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.props = map[*objectType]*propertySet{
		dealType:    newPropertySet(defaultDealProperties()),
		noteType:    newPropertySet(defaultNoteProperties()),
		taskType:    newPropertySet(defaultTaskProperties()),
		meetingType: newPropertySet(defaultMeetingProperties()),
		callType:    newPropertySet(defaultCallProperties()),
		emailType:   newPropertySet(defaultEmailProperties()),
		companyType: newPropertySet(defaultCompanyProperties()),
	}
	s.objects = map[*objectType]map[string]*object{}
	s.mergedInto = map[*objectType]map[string]string{}
	for _, t := range objectTypes {
		s.objects[t], s.mergedInto[t] = map[string]*object{}, map[string]string{}
	}
	s.links = map[link]time.Time{}
	s.primary = map[string]string{}
	lag := s.opts.SearchIndexLag
	if s.index != nil {
		lag = s.index.lag // a lag set on the running fake outlives a reset
	}
	s.index = newSearchIndex(lag)
	s.owners = nil
	s.archivedStages = map[string]bool{}
	s.pendingHooks = nil
	s.nextID = 10_000_000_000
	s.tokens = map[string]*accessToken{}
	s.limiter.reset()
}

// Reset wipes all data (as POST /__admin/reset does), leaving counters and faults alone.
func (s *Server) Reset() { s.resetData() }

func (s *Server) newID() string {
	s.nextID++
	return formatInt(s.nextID)
}

// handle registers one API route under its counter name.
func (s *Server) handle(method, path, name string, write bool, h http.HandlerFunc) {
	pattern := method + " " + path
	s.api.HandleFunc(pattern, h)
	s.routes[pattern] = route{
		ep:     mockkit.Endpoint{Name: name, Write: write},
		search: strings.HasSuffix(path, "/search"),
	}
}

func (s *Server) registerRoutes() {
	s.handle("POST", "/oauth/v1/token", "POST oauth/v1/token", false, s.handleToken)
	s.routes["POST /oauth/v1/token"] = route{ep: mockkit.Endpoint{Name: "POST oauth/v1/token"}, public: true}

	for _, t := range objectTypes {
		base := "/crm/v3/objects/" + t.name
		n := t.name
		s.handle("GET", base, "GET "+n, false, s.handleList(t))
		s.handle("POST", base, "POST "+n, true, s.handleCreate(t))
		s.handle("GET", base+"/{id}", "GET "+n+"/{id}", false, s.handleGet(t))
		s.handle("PATCH", base+"/{id}", "PATCH "+n+"/{id}", true, s.handleUpdate(t))
		s.handle("DELETE", base+"/{id}", "DELETE "+n+"/{id}", true, s.handleArchive(t))
		s.handle("POST", base+"/search", "POST "+n+"/search", false, s.handleSearch(t))
		s.handle("POST", base+"/merge", "POST "+n+"/merge", true, s.handleMerge(t))
		s.handle("POST", base+"/batch/read", "POST "+n+"/batch/read", false, s.handleBatchRead(t))
		s.handle("POST", base+"/batch/create", "POST "+n+"/batch/create", true, s.handleBatchCreate(t))
		s.handle("POST", base+"/batch/update", "POST "+n+"/batch/update", true, s.handleBatchUpdate(t))
		s.handle("POST", base+"/batch/upsert", "POST "+n+"/batch/upsert", true, s.handleBatchUpsert(t))
		s.handle("POST", base+"/batch/archive", "POST "+n+"/batch/archive", true, s.handleBatchArchive(t))

		props := "/crm/v3/properties/" + t.name
		s.handle("GET", props, "GET properties/"+n, false, s.handleListProperties(t))
		s.handle("POST", props, "POST properties/"+n, true, s.handleCreateProperty(t))
		s.handle("GET", props+"/{name}", "GET properties/"+n+"/{name}", false, s.handleGetProperty(t))
		s.handle("DELETE", props+"/{name}", "DELETE properties/"+n+"/{name}", true, s.handleArchiveProperty(t))
		s.handle("PATCH", props+"/{name}", "PATCH properties/"+n+"/{name}", true, s.handleUpdateProperty(t))
	}

	s.handle("GET", "/crm/v3/pipelines/deals", "GET pipelines/deals", false, s.handleListPipelines)
	s.handle("GET", "/crm/v3/pipelines/deals/{pipelineId}", "GET pipelines/deals/{id}", false, s.handleGetPipeline)
	s.handle("GET", "/crm/v3/pipelines/deals/{pipelineId}/stages", "GET pipelines/deals/{id}/stages", false, s.handleListStages)
	s.handle("DELETE", "/crm/v3/pipelines/deals/{pipelineId}/stages/{stageId}", "DELETE pipelines/deals/{id}/stages/{id}", true, s.handleArchiveStage)

	s.handle("GET", "/account-info/v3/details", "GET account-info/v3/details", false, s.handleAccountDetails)

	s.handle("GET", "/crm/v3/owners", "GET owners", false, s.handleListOwners)
	s.handle("GET", "/crm/v3/owners/{$}", "GET owners", false, s.handleListOwners)
	s.handle("GET", "/crm/v3/owners/{ownerId}", "GET owners/{id}", false, s.handleGetOwner)

	// v4 associations accept each object type by plural name, singular name or type id; all spellings
	// count under the plural name.
	for _, from := range objectTypes {
		for _, to := range objectTypes {
			if _, ok := associationTypeID(from, to); !ok {
				continue
			}
			for _, f := range []string{from.name, from.singular, from.typeID} {
				for _, tt := range []string{to.name, to.singular, to.typeID} {
					s.handle("GET", "/crm/v4/objects/"+f+"/{id}/associations/"+tt,
						"GET v4 "+from.name+"/{id}/associations/"+to.name, false, s.handleListAssociations(from, to))
					s.handle("PUT", "/crm/v4/objects/"+f+"/{id}/associations/"+tt+"/{toId}",
						"PUT v4 "+from.name+"/{id}/associations/"+to.name+"/{id}", true, s.handleAssociateLabeled(from, to))
					s.handle("PUT", "/crm/v4/objects/"+f+"/{id}/associations/default/"+tt+"/{toId}",
						"PUT v4 "+from.name+"/{id}/associations/default/"+to.name+"/{id}", true, s.handleAssociateDefault(from, to))
					s.handle("DELETE", "/crm/v4/objects/"+f+"/{id}/associations/"+tt+"/{toId}",
						"DELETE v4 "+from.name+"/{id}/associations/"+to.name+"/{id}", true, s.handleDisassociate(from, to))
					s.handle("POST", "/crm/v4/associations/"+f+"/"+tt+"/batch/read",
						"POST v4 associations/"+from.name+"/"+to.name+"/batch/read", false, s.handleAssociationsBatchRead(from, to))
					s.handle("GET", "/crm/v4/associations/"+f+"/"+tt+"/labels",
						"GET v4 associations/"+from.name+"/"+to.name+"/labels", false, s.handleAssociationLabels(from, to))
				}
			}
		}
	}
}

// classify names a request for the admin counters and faults; requests outside the API pass uncounted.
func (s *Server) classify(r *http.Request) (mockkit.Endpoint, bool) {
	_, pattern := s.api.Handler(r)
	rt, ok := s.routes[pattern]
	if !ok {
		return mockkit.Endpoint{}, false
	}
	return rt.ep, true
}

// serveAPI authenticates, rate-limits and routes an API request, in HubSpot's order: a request without
// valid credentials is refused before it counts against a limit.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	_, pattern := s.api.Handler(r)
	rt, known := s.routes[pattern]
	if known && rt.public {
		s.api.ServeHTTP(w, r)
		return
	}
	cred, e := s.authenticate(r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	if !s.limiter.admit(w, cred, rt.search, s.opts.Now()) {
		return
	}
	if !known {
		writeAPIError(w, newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "Unable to route %s %s: no such endpoint.", r.Method, r.URL.Path))
		return
	}
	s.api.ServeHTTP(w, r)
	s.sendHooks()
}
