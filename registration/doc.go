// Package registration holds the pure rules of co-sell deal registration (issue #9, items 1 and 2):
// what a registration must carry and how each value is checked, and how the claims on one account are
// ranked (first to register is primary, every later claim a conflict pointing at it, settled by an
// admin). It does no I/O and knows no Temporal, so the rules run in microseconds in tests and read the
// same in the CLI, the HTTP API and the account workflow that all apply them.
package registration
