// Package salesforce is the Salesforce connector: connectors.CRM over the REST API, built on
// github.com/k-capehart/go-salesforce/v3 for session handling and request plumbing, with its known faults
// worked around where the sync depends on them.
//
// # How requests flow
//
// Every call goes through go-salesforce's DoRequest, whose HTTP client is given this package's transport
// stack (WithRoundTripper):
//
//	go-salesforce http.Client
//	  └─ recordingTransport   keeps the final status, headers and error body of each logical request
//	       └─ retryablehttp   short, safe transport retries (below)
//	            └─ Config.HTTPClient (a copy whose transport records Sforce-Limit-Info on every attempt)
//
// The connector authenticates itself, at Config.LoginURL and through the same stack, and hands
// go-salesforce only the resulting access token and instance_url.
//
// # Who retries what
//
// The transport retries only what is short and safe, at most three tries in all (Config.RetryMax):
//
//   - 429 and 503 carrying Retry-After up to Config.MaxRetryAfter (default 10 s): the server asked us to
//     come back soon and did not process the request, so any method is resent after that delay; a 429
//     without Retry-After is resent after a short backoff;
//   - 502, 503 and 504 without Retry-After, and network errors, only for idempotent requests: GET, the
//     PATCH upsert by external id, PATCH by id, and the composite batch of upserts. A POST that creates a
//     record is never resent by the transport, because the first attempt may have created it.
//
// A Retry-After longer than MaxRetryAfter is never slept through in the transport: the error goes back at
// once with RetryAfter set, so the activity's slot is freed and Temporal waits instead.
//
// Everything else is returned at once as a *connectors.Error carrying Salesforce's own errorCode, message
// and fields, classified for Temporal, which owns the long retries:
//
//   - validation and permission errors (400 INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, INVALID_FIELD,
//     MALFORMED_QUERY, DUPLICATE_VALUE, FIELD_CUSTOM_VALIDATION_EXCEPTION, REQUIRED_FIELD_MISSING, 403
//     INSUFFICIENT_ACCESS, ...) are Retryable false: no retry can fix them, an admin must;
//   - 404 NOT_FOUND is NotFound (errors.Is(err, connectors.ErrNotFound)) and not retryable;
//   - 412 Precondition Failed, the answer to UpdateDealIfUnmodifiedSince when the record was modified after
//     the write's If-Unmodified-Since date, is Modified (errors.Is(err, connectors.ErrModified)) and not
//     retryable: nothing was written, and the caller reads the record again before it decides anew;
//   - 403 REQUEST_LIMIT_EXCEEDED (the org's rolling 24-hour API allocation is spent) is never retried in
//     the transport: it is Retryable true with RetryAfter Config.LimitRetryAfter (default 5 min), so the
//     workflow pauses instead of burning the budget it is waiting for;
//   - 429 and 5xx that outlived the transport, and transient 400s (UNABLE_TO_LOCK_ROW, QUERY_TIMEOUT), are
//     Retryable true, with RetryAfter from Retry-After when Salesforce sent one;
//   - network errors are returned unclassified, which connectors.IsRetryable treats as retryable.
//
// An expired or revoked session (401 INVALID_SESSION_ID) is neither: the connector re-authenticates at the
// login URL and repeats the call once.
//
// # go-salesforce v3.1.0 faults and what this package does about them
//
//	a) With a non-default API version (WithAPIVersion), performQuery strips nextRecordsUrl with the
//	   package constant "v63.0", so page two is requested at /services/data/vXX/services/data/vXX/query/...;
//	   the composite helpers also build sub-URLs with the constant. The connector pages queries itself,
//	   stripping whatever version prefix nextRecordsUrl carries, and builds composite sub-URLs with the
//	   configured version.
//	b) refreshSession re-authenticates at auth.InstanceUrl instead of the login host, and doAuth uses
//	   http.DefaultClient, ignoring the injected transport and any timeout. The connector authenticates at
//	   Config.LoginURL through its own stack and passes go-salesforce an access token only, so the library
//	   never refreshes on its own.
//	c) processSalesforceError unmarshals every error body as a JSON array; for anything else (the HTML page
//	   of a 502, an OAuth-style object) it returns the JSON error and the HTTP status is lost. The recording
//	   transport keeps status, headers and body of every failed exchange, and errors are classified from it.
//	d) Retry-After and Sforce-Limit-Info are never read. The transport honours Retry-After and records
//	   api-usage from Sforce-Limit-Info, exposed as Connector.APIUsage.
//
// Two smaller ones: DoRequest takes no context (the connector binds the caller's context to each request
// through a RequestOption, so cancellation and deadlines reach the wire), and status 300 (an external id
// matching several records) counts as success (the connector treats it as an error).
//
// # Notes and tasks
//
// Mirrored notes (CreateNote) and SLA to-dos (CreateTask) are both Task records on the opportunity, written
// once per key: the key goes in the unique external-id field Config.NoteKeyField, read before the insert and
// again after a DUPLICATE_VALUE. A note is a completed activity, a to-do an open High-priority Task due on
// its date. ChangedNotes reports both with their key, and the change feed drops keyed Tasks as the
// product's own writes. DealURL links to the Lightning record page at the instance URL, with no API call.
//
// Nothing secret is logged: not the client secret, password, security token nor access token.
package salesforce
