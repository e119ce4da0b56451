// Package salesforce is a faithful in-memory fake of the Salesforce REST API, for tests, the demo and
// benchmarks. No real org is reachable from CI, so the connector's correctness on day one rests on this
// fake answering exactly as Salesforce does: the same paths under /services/data/vXX.X, the same JSON
// shapes (records with attributes, errors always as [{message, errorCode, fields}]), the same status
// codes, the Sforce-Limit-Info header, OAuth token errors, expiring sessions, a daily API budget and a
// SOQL subset large enough for the sync's keyset queries.
//
// A Server holds one org's state. It serves everything on one handler (ServeHTTP), or a distinct login
// host and instance host sharing that state (LoginHandler, InstanceHandler), so a test can show a client
// refreshing its token at the wrong host. The admin surface from mocks/mockkit (call counters, fault
// injection, seed, reset) is mounted under /__admin/. GET / renders a small HTML page that lets a person
// watch the mirror (opportunities, their open tasks apart from logged activity), and
// GET /lightning/r/Opportunity/{id}/view — where Lightning Experience shows a record — one opportunity, so
// links in notices open something readable.
//
// Transactions as a poller meets them: an API write is stamped (SystemModstamp, LastModifiedDate) when
// its transaction starts, in whole seconds as Salesforce stores date-times, and SOQL sees it only once
// committed, Options.CommitDelay (DefaultCommitDelay, 2 s) later; until then queries see the row as it
// was, while reads by id see the write at once and a transaction sees its own writes. SOQL compares
// date-times to the second. A poller asking for "SystemModstamp > cursor" without re-reading an overlap
// behind its cursor misses such rows, as it would against a real org. Knobs: Options.CommitDelay
// (negative: none), SetCommitDelay, CommitAll, and GET/POST /__admin/commit-delay.
//
// Conditional requests on a row (conditional.go): a PATCH by id with If-Unmodified-Since is refused with
// 412 ENTITY_FAILED_IFLASTMODIFIED_ON_UPDATE_CHECK, unprocessed, when the row's SystemModstamp is after
// that date (whole seconds against whole seconds), and a GET by id with If-Modified-Since answers 304
// while the row is unchanged.
//
// Faults (mocks/mockkit) can fail a request before or after it is applied, as a 5xx, a hang past the
// client's deadline or a dropped connection, at a seeded random rate. A deleted record's id answers 404
// ENTITY_IS_DELETED (Server.Delete deletes for tests). Field names are case-insensitive in bodies and
// in SOQL. A login host (LoginHandler, or a request whose Host is one of Options.LoginHosts) refuses the
// client_credentials grant, which Salesforce serves on the org's My Domain only (MyDomainHandler; the
// one-handler ServeHTTP plays the My Domain).
//
// Change notifications (webhooks.go): with Options.Webhooks set, every create and edit of an opportunity
// or a task through the API sends an Outbound Message (SOAP, up to 100 notifications, resent until
// acknowledged with <Ack>true</Ack>), or with Mode "callout" the signed JSON callout a Flow sends; seeds,
// deletions and rolled-back batches send nothing. Delivery faults (delay, duplication, reordering, loss)
// are mockkit.WebhookKnobs, also at GET/POST /__admin/webhooks. OrgID is the id the messages carry.
//
// What is deliberately not modelled: sharing rules and field-level security, triggers and workflow
// rules, currencies other than the org default, SOQL functions, aggregates other than COUNT(), date
// literals such as TODAY, and subqueries.
package salesforce
