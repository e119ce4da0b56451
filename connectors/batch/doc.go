// Package batch coalesces the single-deal CRM calls of many deal workflows into the CRMs' batch calls.
//
// # Why
//
// Every deal is its own workflow, and its activities read and write one deal at a time: a look at a
// side, a write, a read-back of what the CRM stored. In a burst (a poll page of 200 changed deals, an
// import, a stage sweep) that was one request per deal per step, 4.7–15.7 calls per change, and HubSpot's
// 100 requests per 10 s were spent in seconds. The CRMs answer the same work in batches of 100
// (HubSpot) or 200 and more (Salesforce) for the price of one request.
//
// # How
//
// The worker runs the activities of many deals at once (up to 1,000 activity slots, 8 task pollers).
// Wrap puts a Coalescer per kind of call in front of a connection's connector: a GetDeal,
// FindDealByCoSellID, UpsertDeal, UpdateDeal or UpdateDealIfUnmodifiedSince joins the open batch of its
// kind, and the batch is sent as one call when it is full, when no call joined it for the window
// (COSELL_COALESCE_WINDOW, 100 ms), or at the latest MaxWait after its first call
// (COSELL_COALESCE_MAX_WAIT, 1 s). An isolated change so waits one window per call; a burst fills
// batches. Each caller gets its own record's result or error back: the connectors' batch methods
// (connectors.Batcher) return one outcome per input, so a refused value, a missing record or a
// conditional write refused for a newer edit fails that deal alone. Nothing in this package imports
// Temporal: the activities call the connector as before and do not know their call was batched.
//
// Read-backs: the activities read a record right after writing it, to learn the stored values and the
// write's own stamp. HubSpot has no conditional write, so a user's edit landing between the write and
// the read-back would be taken for the write. A read of a record written through the wrapper moments
// before therefore goes out within UrgentWindow (10 ms) with whatever reads are open, as close to its
// write as a single call would be; the read-backs that one write batch releases together still meet.
//
// Order: one deal workflow makes its calls one after the other, so its calls reach the CRM in its order.
// A batch never holds one record twice (HubSpot refuses such a batch whole, and two writes of a record in
// one call have no defined order): a second call on a record already in the open batch sends that batch
// first. A caller whose context ends leaves its batch before it is sent; a batch under way is cancelled
// only when every caller in it has gone.
//
// Budget and retries: a batch is one HTTP request through the connector's transport and its budget guard
// (connectors/budget), so it counts as one call against the product's share, and a 429 or 5xx on it is
// retried by the transport once for the batch, not once per deal. A refusal or a failure of the whole
// request reaches every caller in it, which each classify as before (a short-window refusal is retried by
// Temporal after the guard's delay, so the deals of a refused batch come back together and batch again).
//
// # Per CRM
//
// HubSpot (connectors/hubspot/batch_deals.go): reads are POST /crm/v3/objects/deals/batch/read (100
// inputs, by id or by the unique co-sell id property), missing ids coming back as the OBJECT_NOT_FOUND
// error's context.ids of a 207; writes are batch/upsert (by co-sell id) and batch/update (by id), 100
// inputs, each input carrying an objectWriteTraceId, which makes HubSpot apply the others when one fails
// and name the failed one in its error's context. Without trace ids a batch write is all or nothing.
// A keyed task is read by its key (GET by idProperty: the key property has unique values) in one call,
// instead of listing every task associated with the deal and reading their keys.
//
// Salesforce (connectors/salesforce/batch_deals.go): reads by id are one sObject Collections retrieve
// (GET /composite/sobjects/Opportunity?ids=…, 200 ids), which sees a write at once as a read by id does
// (SOQL does not see an API write until it commits); reads by co-sell id are one SOQL query WHERE the
// co-sell id IN (…), 200 values, as FindDealByCoSellID was a query. Upserts by the co-sell id and unconditional updates are Composite
// requests of sObject Collections (200 records a collection, allOrNone false, each record failing on its
// own), up to 5,000 records a call. Conditional updates keep the stale-write protection: sObject
// Collections take no conditional header, so they are a Composite request of sObject Row PATCHes, 25 a
// call, each subrequest with its own If-Unmodified-Since in httpHeaders and allOrNone false; Salesforce
// judges each record's condition as it writes it and answers 412 for that record alone, which the
// engine reads as "read again". A read-compare before a Collections update was the other choice: 8 times
// as many records a call, but the window between the read and the write would be open to a user's edit,
// which the header closes. Composite costs one call per 25 conditional writes; the reads and read-backs
// around them batch by 200.
//
// # Off
//
// COSELL_COALESCE=false builds the connectors unwrapped: one request per read and per write, the naive
// reference the benchmark measures coalescing against.
//
// # Not batched
//
// Change feeds (already one query per page), owners (cached), schema reads, notes and tasks. A HubSpot
// note's key property has no unique values, so a keyed note is still found through the deal's note
// associations; batching note and task creates (HubSpot batch/create with inline associations,
// Salesforce Collections insert) is the next step.
package batch
