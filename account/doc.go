// Package account is the identity of a co-sold deal's account (issue #9, registration and conflict
// detection): a Key made from the normalized domain ("domain:acme.com") or, with no domain, the
// normalized company name ("name:acme"). Two registrations with the same key claim the same account, so
// the first one is primary and any later one a conflict (the playbook's "first to register is primary").
//
// Why domain first: the playbook's account mapping matches on domain, "which is more reliable than the
// company name". Domain normalizes a website or domain as either CRM keeps it (Salesforce: the
// opportunity's Account Website; HubSpot: the associated company's domain) and refuses a malformed one,
// so a bad domain is fixed at registration instead of silently matching nothing. Name is the fallback,
// with the legal suffixes in LegalSuffixes stripped.
//
// Pure: no I/O, no clock. Seeds of the fuzz tests run with go test; go test -fuzz FuzzKey ./account
// explores further.
package account
