// Package hubspot is the HubSpot implementation of connectors.CRM: a typed client for the CRM v3 objects,
// search, properties, pipelines and owners APIs and the v4 associations API, with one file per operation
// and no framework imports. Tests run it against the fake in mocks/hubspot.
//
// # Layers
//
// A call goes through three layers, and each failure is handled by exactly one of them:
//
//  1. Authentication (authTransport, auth.go). Every attempt carries a bearer token: a private app's
//     static token, or an OAuth access token from golang.org/x/oauth2 (refresh_token grant, or
//     client_credentials through clientcredentials), refreshed ahead of its expiry. If HubSpot answers
//     401 to a token that looked valid locally (revoked, expired early), the token is refreshed once and
//     the attempt repeated; the request was refused, so repeating it is safe for any method. A refused
//     refresh token or client secret is a final, classified error.
//  2. Transport retries (transport.go, github.com/hashicorp/go-retryablehttp), at most Config.MaxTries
//     attempts (3), each wait capped by Config.MaxRetryWait (10 s):
//     - 429 TEN_SECONDLY_ROLLING or SECONDLY (the search limit): repeated for every request, HubSpot did
//     nothing. The wait is Retry-After when sent, otherwise the window HubSpot reports in
//     X-HubSpot-RateLimit-Interval-Milliseconds (one second for the search limit).
//     - 423 Locked: repeated after 2 s, as HubSpot advises.
//     - 5xx and network failures: repeated with exponential back-off only for requests safe to repeat:
//     GET, PATCH, searches, batch reads and batch upserts (keyed writes). A plain create (a note) is
//     never repeated here: a 5xx may hide a success. CreateNote is idempotent on its key instead, so
//     the activity layer can retry it.
//     - 429 DAILY: not repeated. The portal's daily budget is spent for hours; the caller gets a
//     retryable *connectors.Error with RetryAfter until the next midnight UTC, wrapped in a sentence
//     saying so, and the workflow decides when to come back.
//  3. Classification (errors.go). Every non-2xx answer that survives the transport becomes a
//     *connectors.Error with HubSpot's own category (or rate-limit policy) as Code and its message
//     verbatim: VALIDATION_ERROR 400s are final and name the blamed properties in Fields (from
//     errors[].context.propertyName and the JSON list a "Property values were not valid" message
//     embeds), 404 OBJECT_NOT_FOUND matches connectors.ErrNotFound, 401/403/409 are final, and 429, 423,
//     477 and 5xx are retryable with the delay HubSpot asked for. Network failures after the transport
//     gave up are returned wrapped and unclassified, which connectors.IsRetryable treats as retryable.
//
// # Change streams
//
// ChangedDeals and ChangedNotes page by the keyset (hs_lastmodifieddate, hs_object_id). HubSpot's search
// sorts by one property only and orders records sharing a timestamp arbitrarily, so the connector orders
// them itself and reads the records at a page's last timestamp in id order with a dedicated query; see
// changedObjects. Because HubSpot's search index lags writes by a few seconds, records modified within
// Config.IndexLag are left for the next call rather than risk a cursor moving past a record the index has
// not shown yet. Point reads (GetDeal, FindDealByCoSellID) and the reads inside CreateNote avoid search
// for the same reason.
//
// # No conditional writes
//
// HubSpot's objects API has no conditional update (no If-Unmodified-Since or ETag precondition on a
// deal's PATCH), so this connector does not implement connectors.ConditionalUpdater and UpdateDeal writes
// whatever changed since the caller's read. The deal engine narrows that read-then-write race by reading
// a deal before it writes there; see workflows/ARCHITECTURE.md, "Conditional writes".
//
// # Notes
//
// HubSpot keeps hs_note_body as HTML. ChangedNotes returns Body as plain text (block ends and <br> become
// newlines, tags go, entities are decoded), and CreateNote writes the subject in bold and the body
// HTML-escaped with line breaks, so text survives a round trip. The idempotency key lives in the custom
// note property Config.NoteKeyProperty (cosell_note_key); EnsureProperties creates it and the deal
// properties the connector relies on.
//
// # Tasks and links
//
// CreateTask writes a HubSpot task (NOT_STARTED, HIGH, TODO, hs_timestamp the due date) associated with
// the deal (HUBSPOT_DEFINED type 216, task to deal), exactly once per key: the key lives in the unique
// task property Config.TaskKeyProperty (cosell_task_key), found the way CreateNote finds its notes, and a
// create refused with 409 on that property returns the task holding the key. Tasks are their own object
// type, so they never enter the note stream.
//
// DealURL links to {app}/contacts/{portalId}/record/0-3/{id}. The portal id comes from Config.PortalID or
// one read of GET /account-info/v3/details, kept for the client's life; if that read fails, links go
// without it rather than fail the notice they are for.
package hubspot
