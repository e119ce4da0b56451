package account

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// LegalSuffixes are the legal-form words stripped from the end of a company name, as token sequences
// after normalization (periods are dropped first, so "S.A." is sa and "Pty. Ltd." is pty ltd). They are
// matched longest first and repeatedly, so "Acme Co., Ltd." and "Acme Pty Ltd" are both acme; a name is
// never stripped to nothing ("Co" stays co). The list covers the forms the co-selling partners' CRMs
// commonly hold: US and UK (Inc, Incorporated, Corp, Corporation, Co, Company, LLC, LLP, Ltd, Limited,
// PLC), Australia (Pty Ltd), German-speaking countries (GmbH, AG), France and Latin countries (SA, SAS,
// SARL, SRL), the Netherlands and Belgium (BV, NV). A word that is also a common name ("Spa", "AS")
// is left out on purpose: stripping it would merge different companies.
var LegalSuffixes = [][]string{
	{"pty", "ltd"},
	{"inc"}, {"incorporated"}, {"corp"}, {"corporation"}, {"co"}, {"company"},
	{"llc"}, {"llp"}, {"ltd"}, {"limited"}, {"plc"},
	{"gmbh"}, {"ag"},
	{"sa"}, {"sas"}, {"sarl"}, {"srl"},
	{"bv"}, {"nv"},
}

// maxName bounds a normalized name: an account key is part of a workflow id.
const maxName = 200

// Name normalizes a company name for matching when an account has no domain: Unicode case-folded,
// accents removed (Nestlé is nestle), "&" read as "and", periods and apostrophes dropped (S.A. is sa,
// McDonald's is mcdonalds), every other run of punctuation and white space one space, a leading "the"
// and trailing LegalSuffixes stripped. So "The Acme Corporation", "ACME, Inc." and "Acme Corp" are
// all acme. A name is less reliable than a domain (the playbook: match on domain); this is for the
// accounts that have none.
func Name(raw string) (string, error) {
	tokens := tokenize(raw)
	if len(tokens) == 0 {
		return "", fmt.Errorf("company name %q has no letters or digits", raw)
	}
	tokens = strip(tokens)
	name := strings.Join(tokens, " ")
	if len(name) > maxName {
		return "", fmt.Errorf("company name %q is longer than %d characters once normalized", raw, maxName)
	}
	return name, nil
}

// tokenize folds case and accents until they are stable, then splits into words of letters and digits.
func tokenize(raw string) []string {
	s := raw
	for range 4 { // compatibility forms can decompose into letters that fold again; a few rounds settle it
		next := fold(s)
		if next == s {
			break
		}
		s = next
	}
	s = strings.NewReplacer("&", " and ", ".", "", "'", "", "’", "", "`", "").Replace(s)
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func fold(s string) string {
	t := transform.Chain(cases.Fold(), norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}

// strip removes a leading "the" and trailing legal suffixes (and an "and" a suffix leaves behind, as
// in "Acme & Co"), never the last word.
func strip(tokens []string) []string {
	for len(tokens) > 1 && tokens[0] == "the" {
		tokens = tokens[1:]
	}
	for {
		cut := suffixAt(tokens)
		if cut == 0 {
			return tokens
		}
		tokens = tokens[:len(tokens)-cut]
		if len(tokens) > 1 && tokens[len(tokens)-1] == "and" {
			tokens = tokens[:len(tokens)-1]
		}
	}
}

// suffixAt returns the length of the longest legal suffix ending tokens that leaves a word before it.
func suffixAt(tokens []string) int {
	best := 0
	for _, suf := range LegalSuffixes {
		if len(suf) > best && len(suf) < len(tokens) && slices.Equal(tokens[len(tokens)-len(suf):], suf) {
			best = len(suf)
		}
	}
	return best
}
