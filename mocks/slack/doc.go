// Package slack is a fake of Slack's incoming webhooks, for tests and the demo: no real workspace is
// reachable, and a notice must still be seen arriving. It answers like hooks.slack.com where a client can
// tell — 200 "ok" in text/plain, and Slack's bare error words with their statuses: 400 invalid_payload,
// no_text, invalid_blocks_format or invalid_blocks, 403 invalid_token, 404 no_service — and checks the
// Block Kit limits Slack enforces (header 150 characters, section text 3000, at most 10 fields of 2000,
// at most 50 blocks), so a message the real Slack would refuse is refused here too.
//
// Every accepted message is kept, in order, with what a person would read: GET / renders them as a page
// (header, section text and fields, context, the fallback text, links clickable) that refreshes itself,
// so an escalation can be watched as it climbs. GET /__admin/messages returns them as JSON, and the shared
// admin surface of mocks/mockkit counts calls ("POST webhook") and injects faults: a fault with only a
// status answers Slack's word for it (429 rate_limited with Retry-After, 500 rollup_error, 410
// channel_is_archived, ...).
//
// What is not modelled: Slack's rate limit of about one message per second per webhook (inject 429 faults
// instead), attachments beyond accepting them, and the legacy overrides (channel, username, icon).
package slack
