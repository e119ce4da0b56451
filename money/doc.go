// Package money is exact money for commission arithmetic: an Amount is an integer number of minor
// units of an ISO 4217 currency (exponent table in currency.go: USD 2, JPY 0, KWD 3, …), a Rate is a
// percentage in basis points, and Allocate splits a total by the largest-remainder method so that parts
// sum to it to the last minor unit.
//
// Currencies are never converted or mixed: adding a EUR amount to a USD one is ErrCurrencyMismatch.
// An amount is bounded by MaxMinor (10^15 minor units), which keeps every product and sum the
// attribution and the pilot compute far from int64 overflow.
//
// It is pure (no I/O, no clock) and sits at the bottom of the import graph with vocab/, so the deal
// engine, the attribution rules, the pairing file and the pilot can all speak of the same amounts.
package money
