package account

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// lookup converts an internationalized domain to its ASCII (punycode) form with the rules browsers
// use to look a name up (UTS #46: case folded, full-width dots and letters mapped, letters, digits and
// hyphens only), so "Bücher.example" and "xn--bcher-kva.example" are one account.
var lookup = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.StrictDomainName(true))

// Domain normalizes a company domain or website as CRMs hold it ("https://www.Acme.com/about",
// "acme.com.", "jane@acme.com", "ACME.COM:443") to the bare registrable form both partners will agree
// on ("acme.com"): lower case; scheme, user, path, query, fragment, port, one trailing dot and a
// leading "www." (or "www.www.") stripped; an internationalized name converted to punycode. A value that is not a
// domain name (no dot, an IP address, a space, a label of more than 63 characters, a name of more
// than 253) is refused with the reason.
func Domain(raw string) (string, error) {
	host, err := hostOf(raw)
	if err != nil {
		return "", err
	}
	ascii, err := lookup.ToASCII(host)
	if err == nil {
		// Punycode that decodes to a disallowed name is caught only when read back.
		_, err = lookup.ToUnicode(ascii)
	}
	if err != nil {
		return "", fmt.Errorf("malformed domain %q: not a valid domain name (%s)", raw, strings.TrimPrefix(err.Error(), "idna: "))
	}
	ascii = strings.ToLower(ascii)
	for {
		rest, ok := strings.CutPrefix(ascii, "www.")
		if !ok || !strings.Contains(rest, ".") {
			break
		}
		ascii = rest
	}
	if err := checkName(ascii); err != nil {
		return "", fmt.Errorf("malformed domain %q: %w", raw, err)
	}
	return ascii, nil
}

// hostOf cuts the host out of a URL, an e-mail address or a bare domain.
func hostOf(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("the domain is empty")
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("malformed domain %q: not valid UTF-8 text", raw)
	}
	if i := strings.Index(s, "://"); i >= 0 {
		if !schemeName(s[:i]) {
			return "", fmt.Errorf("malformed domain %q: %q is not a URL scheme", raw, s[:i])
		}
		s = s[i+3:]
	} else {
		s = strings.TrimPrefix(s, "//")
	}
	if i := strings.IndexAny(s, "/?#\\"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:] // user:password@ of a URL, or the mailbox of an e-mail address
	}
	if strings.HasPrefix(s, "[") {
		return "", fmt.Errorf("malformed domain %q: an IP address is not a company's domain", raw)
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		if port := s[i+1:]; port != "" && !allDigits(port) {
			return "", fmt.Errorf("malformed domain %q: %q after the colon is not a port", raw, port)
		}
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	switch {
	case s == "":
		return "", fmt.Errorf("malformed domain %q: no host name in it", raw)
	case strings.ContainsAny(s, " \t"):
		return "", fmt.Errorf("malformed domain %q: a domain has no spaces", raw)
	}
	return s, nil
}

// checkName applies DNS's rules to an ASCII host name, with messages an admin can act on.
func checkName(name string) error {
	if len(name) > 253 {
		return fmt.Errorf("%d characters, more than a domain name's 253", len(name))
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return errors.New("a company domain has at least two labels, such as acme.com")
	}
	for _, l := range labels {
		switch {
		case l == "":
			return errors.New("an empty label (two dots in a row, or a leading dot)")
		case len(l) > 63:
			return fmt.Errorf("label %q is longer than 63 characters", l)
		case strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-"):
			return fmt.Errorf("label %q starts or ends with a hyphen", l)
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("label %q holds %q: a domain has letters, digits and hyphens only", l, r)
			}
		}
	}
	if allDigits(labels[len(labels)-1]) {
		return errors.New("an IP address is not a company's domain")
	}
	return nil
}

func schemeName(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
