package pairing

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cosellsync/cosell/connectors"
)

// CheckShared checks a pairing against the pairings a worker already serves, for what no single file
// can show: a pairing id used twice, and the rules of a CRM connection that several pairings share.
// Such a connection is polled by one feed, which reads each changed record once and hands it to the
// pairing it belongs to, so the pairings must agree on what the connection is:
//   - one CRM kind;
//   - one set of bookkeeping fields (the co-sell id, the flag, the owner and partner-owner fields): the
//     feed's one query selects flagged deals by them;
//   - a route on every pairing that uses it, all on one field, with no value in two of them, so that a
//     newly flagged deal starts in exactly one pairing.
//
// Problems are placed in p's file and name the other file and line; p is the one refused, the served
// pairings keep running. A nil result means p can be served beside them.
func CheckShared(p *Pairing, served []*Pairing) []Problem {
	var out []Problem
	report := func(at Position, msg, hint string) {
		out = append(out, Problem{File: p.Path, Line: at.Line, Column: at.Column, Message: msg, Hint: hint})
	}
	for _, q := range served {
		if q.ID == p.ID {
			report(p.IDAt, fmt.Sprintf("pairing id %s is already served from %s", p.ID, where(q.Path, q.IDAt)),
				"give each pairing an id of its own: the id is part of every deal's workflow id")
		}
	}
	for _, s := range []Side{A, B} {
		mine := p.Partner(s)
		for _, q := range served {
			for _, t := range []Side{A, B} {
				theirs := q.Partner(t)
				if q.ID == p.ID || theirs.Connection != mine.Connection {
					continue
				}
				for _, pr := range sharedProblems(p, s, q, t) {
					report(pr.at, pr.msg, pr.hint)
				}
			}
		}
	}
	sortProblems(out)
	return out
}

type sharedProblem struct {
	at        Position
	msg, hint string
}

// sharedProblems lists what keeps partner s of p from sharing its connection with partner t of q.
func sharedProblems(p *Pairing, s Side, q *Pairing, t Side) []sharedProblem {
	mine, theirs := p.Partner(s), q.Partner(t)
	other := fmt.Sprintf("pairing %s (%s, partner %s)", q.ID, where(q.Path, theirs.At.Connection), t)
	conn := mine.Connection
	if mine.CRM != theirs.CRM {
		return []sharedProblem{{mine.At.Connection, fmt.Sprintf("connection %s is a %s connection in %s, not %s", conn, theirs.CRM, other, mine.CRM),
			"a connection is one CRM account: name a connection of its own for this partner"}}
	}
	var out []sharedProblem
	if diff := dealFieldsDiff(mine.Deal, theirs.Deal); diff != "" {
		out = append(out, sharedProblem{mine.At.Deal, fmt.Sprintf("connection %s keeps its co-sell fields elsewhere in %s: %s", conn, other, diff),
			"pairings that share a connection share its bookkeeping fields: write the same partners › " + string(s) + " › deal as that file"})
	}
	switch {
	case mine.Route == nil && theirs.Route == nil:
		out = append(out, sharedProblem{mine.At.Connection, fmt.Sprintf("connection %s is shared with %s, and neither says which new deals are whose", conn, other),
			"give partners › " + string(s) + " a route here and partner " + string(t) + " one there, e.g. route: { field: CoSell_Partner__c, values: [Globex] }, so a newly flagged deal starts in one pairing"})
	case mine.Route == nil:
		out = append(out, sharedProblem{mine.At.Connection, fmt.Sprintf("connection %s is shared with %s, which routes by %s; this pairing has no route", conn, other, theirs.Route.Field),
			fmt.Sprintf("add route: { field: %s, values: [...] } to partners › %s, with values of its own", theirs.Route.Field, s)})
	case theirs.Route == nil:
		out = append(out, sharedProblem{mine.At.Route, fmt.Sprintf("connection %s is shared with %s, which has no route", conn, other),
			"give that pairing's partner " + string(t) + " a route on " + mine.Route.Field + " first, then add this file"})
	case !strings.EqualFold(mine.Route.Field, theirs.Route.Field):
		out = append(out, sharedProblem{mine.At.Route, fmt.Sprintf("route field %s differs from %s of %s", mine.Route.Field, theirs.Route.Field, other),
			"pairings that share a connection route by one field"})
	default:
		for _, v := range mine.Route.Values {
			if slices.ContainsFunc(theirs.Route.Values, func(w string) bool { return strings.EqualFold(v, w) }) {
				out = append(out, sharedProblem{mine.At.Route, fmt.Sprintf("route value %q also routes to %s", v, other),
					"a newly flagged deal must start in one pairing: give each pairing values of its own"})
			}
		}
	}
	return out
}

// dealFieldsDiff names the bookkeeping fields two partners keep under different CRM fields.
func dealFieldsDiff(a, b connectors.DealFields) string {
	var diffs []string
	fa, fb := bookkeepingFields(a), bookkeepingFields(b)
	for i, key := range dealKeys {
		x, y := fa[i], fb[i]
		if !strings.EqualFold(x, y) {
			diffs = append(diffs, fmt.Sprintf("%s is %s here, %s there", key, x, y))
		}
	}
	return strings.Join(diffs, "; ")
}

// where renders a file position the way problems do.
func where(path string, at Position) string {
	if at.Line == 0 {
		return path
	}
	return fmt.Sprintf("%s:%d", path, at.Line)
}
