// Package hubspot is a faithful in-memory fake of the HubSpot CRM v3/v4 APIs that CoSell Sync uses: deals,
// notes, tasks, owners, properties, pipelines, search, batch operations, v4 associations, account details,
// OAuth tokens and rate limits. Tests, the demo and benchmarks run against it because no real portal is
// reachable, so its value lies in behaving like HubSpot where a client can tell: paths, status codes,
// response and error bodies, headers, validation and limits. Where HubSpot's behaviour is documented, the fake follows the
// documentation; where the documentation is silent (the order of search results sharing a sort value, for
// example) the fake picks an order a careless client would not expect, so that client bugs surface here
// rather than against a customer's portal.
//
// What a client sees, in brief:
//
//   - Authentication: static private-app bearer tokens, and OAuth access tokens issued by
//     POST /oauth/v1/token (refresh_token and client_credentials grants) that expire after Options.TokenTTL.
//     A missing or unknown token gets 401 INVALID_AUTHENTICATION, an expired one 401 EXPIRED_AUTHENTICATION.
//   - Rate limits: a rolling window (100 requests per 10 s by default, per private app or per OAuth app), a
//     daily limit for private apps, and a separate per-second limit for the search endpoints. Responses
//     other than search carry the X-HubSpot-RateLimit-* headers; a 429 carries HubSpot's RATE_LIMIT body.
//     Server.Limits and GET /__admin/limits show the counts, the highest daily count and rolling-window
//     count ever reached (the peaks) and the refusals per policy; Server.SetDailyUsage and POST
//     /__admin/limits ({"dailyUsed": 0}) move the daily count, as the day resetting would.
//   - Objects: numeric string ids, every property value a string (null when unset), hs_object_id, createdate
//     or hs_createdate and hs_lastmodifieddate kept by the server, on deals the calculated hs_is_closed and
//     hs_is_closed_won (from the stage: closedwon and closedlost are closed, closedwon is won), typed
//     validation of writes (enumeration options, deal stages of the deal's pipeline, numbers, dates,
//     owners, unique values) answered with HubSpot's VALIDATION_ERROR body.
//   - Associations: notes and tasks on deals, with HubSpot's default type ids (note→deal 214, deal→note 213,
//     task→deal 216, deal→task 215), and companies of deals (deal→company 341, company→deal 342, and the
//     primary label 5 and 6: a deal has one primary company), inline on create or through v4 (the
//     default PUT, the labeled PUT with a body of types, batch read, which reports the primary type
//     along with the unlabeled one).
//   - Companies (/crm/v3/objects/companies): name and domain, read, batch read, search, created and
//     updated like every object.
//   - Search index lag: the search endpoints read an index that shows a create, update, archive or
//     merge only Options.SearchIndexLag (DefaultSearchIndexLag, 3 s) after it; until then search finds
//     the record as it was, or not at all. Reads by id (GET, batch read, list) see every write at once,
//     as in HubSpot. Seeded records are searchable at once. Knobs: Options.SearchIndexLag (negative:
//     no lag), SetSearchIndexLag and FlushSearchIndex, and GET/POST /__admin/search-index
//     ({"ms": n, "flush": true}).
//   - Delete and merge: DELETE /crm/v3/objects/{type}/{id} archives (then GET answers 404, ?archived=true
//     finds it); POST /crm/v3/objects/{type}/merge {primaryObjectId, objectIdToMerge} makes, as HubSpot
//     does for deals, a record with a new id (Options.MergeKeepsPrimaryID keeps the primary's) whose
//     hs_merged_object_ids lists both; both old ids then answer reads and writes as it, and leave list
//     and search. Server.Archive and Server.Merge do the same for tests.
//   - Webhooks (webhooks.go): with Options.Webhooks set, the app's target URL receives what HubSpot sends
//     an app subscribed to deal and note events — deal.creation, deal.propertyChange per changed
//     property, deal.deletion, deal.merge, and object.creation for notes (objectTypeId 0-46) — batched up
//     to 100, signed with X-HubSpot-Signature-v3 and retried with attemptNumber counting up. Seeds send
//     nothing; a batch rolled back sends nothing. Delivery faults (delay, duplication, reordering, loss)
//     are mockkit.WebhookKnobs, also at GET/POST /__admin/webhooks.
//   - GET /account-info/v3/details answers the portal id (Options.PortalID) and uiDomain, which clients use
//     to build links into HubSpot's app.
//
// Everything a real HubSpot does not have (call counters, fault injection, seeding, forcing token expiry) is
// under /__admin/ through mocks/mockkit. GET / is a small HTML page showing the deals with their notes and
// tasks, and GET /contacts/{portalId}/record/0-3/{id} — the path of a deal in HubSpot's app — shows one deal,
// so links in notices open something readable when the app URL points at the fake.
package hubspot
