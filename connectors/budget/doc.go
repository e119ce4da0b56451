// Package budget is the API budget guard of one CRM connection: it keeps the product's calls under an
// admin's share of the CRM's daily budget and of its short rate window, using the counts the CRM itself
// reports on every answer (Salesforce's Sforce-Limit-Info, HubSpot's X-HubSpot-RateLimit-* headers and
// 429 bodies), so that several workers, and the customer's own users and integrations, are all seen in
// one count.
//
// # What is counted
//
// A window's count is the CRM's own figure: every call made on the connection, by this product and by
// everyone else. The guard keeps that count at or below the share (the line, share × limit, rounded
// down): the product's own use is part of the count, so it never passes its share, and the product
// yields to the customer's own use instead of starving it. Each guard's estimate of the count is the
// CRM's latest figure plus the calls the guard let through that this figure cannot include yet, so
// concurrent callers never overshoot between two answers: a call is let through only if the estimate
// plus one stays at or below the line.
//
// # Two windows
//
// The daily budget (Salesforce: api-usage over a rolling 24 hours; HubSpot: the private apps' daily
// limit) is spent for hours once reached. The guard stops ordinary work a small reserve below the line
// (1 % of the line, at least 3 calls) and, while paused, lets one call through every ProbeEvery
// (default 5 min) to read the count again: when it has fallen (the rolling window moved on, the day
// reset, the limit was raised) work resumes by itself. Probes come out of the reserve, so they never
// pass the line either. A refusal says when the next probe is due.
//
// The short window (HubSpot's 100 calls per 10 s per app) is a rolling interval. The guard keeps the
// CRM's figure for one interval after the answer that carried it, and a ledger of its own calls inside
// the interval; a refusal says when the window frees.
//
// A window the CRM does not report (Salesforce has no short window; HubSpot's OAuth apps have no daily
// limit) is not guarded. Until the first answer has told the guard where the count stands, it lets one
// call through at a time.
//
// # Refusals
//
// A refused call is never sent: the guard returns a *Refusal carrying the window, the count, the line
// and how long to wait. The activities turn a daily refusal into a long wait for the workflow (a
// durable timer, with both partners told once) and a short-window refusal into an activity retry after
// the delay; nothing sleeps in the worker and nothing is dropped.
//
// # Limits of the estimate
//
// With one worker and nobody else on the connection the estimate is never below the CRM's count, so the
// line holds exactly. Calls of other workers or users reach the estimate with the next answer; near the
// line several workers may together overshoot the ordinary stop by the calls they have in flight at
// that moment, which the reserve absorbs. A worker that starts while the budget is spent spends one
// call of the reserve to learn where the count stands. After a whole day with no call at all the guard
// forgets its count (everything it counted has left the window) and looks again.
package budget
