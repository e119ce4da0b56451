package account

import (
	"errors"
	"fmt"
	"strings"
)

// Kind says what an account key was made from.
type Kind string

// Kinds of account key.
const (
	// ByDomain: the account's normalized domain, the reliable match.
	ByDomain Kind = "domain"
	// ByName: the normalized company name, for an account with no domain.
	ByName Kind = "name"
)

var errNoIdentity = errors.New("an account needs a domain or a company name")

// Key identifies an account across both partners' CRMs: "domain:acme.com" or "name:acme". The kind is
// part of the key, so a domain and a name never collide, and people reading a conflict can tell how
// sure the match is. It is a string so it can key maps and be part of a workflow id as it is.
type Key string

// Of is a deal's account key: its domain when it has one, else its company name. A malformed domain
// is an error, not a reason to fall back to the name: a registration with a bad domain is refused,
// so that it can be fixed, rather than matched less reliably.
func Of(domain, name string) (Key, error) {
	if strings.TrimSpace(domain) != "" {
		d, err := Domain(domain)
		if err != nil {
			return "", err
		}
		return Key(string(ByDomain) + ":" + d), nil
	}
	if strings.TrimSpace(name) == "" {
		return "", errNoIdentity
	}
	n, err := Name(name)
	if err != nil {
		return "", err
	}
	return Key(string(ByName) + ":" + n), nil
}

// ParseKey reads a key back (from a workflow id, a CLI argument) and checks it is normalized.
func ParseKey(s string) (Key, error) {
	kind, value, ok := strings.Cut(s, ":")
	if !ok || value == "" {
		return "", fmt.Errorf("account key %q: want domain:<domain> or name:<company name>", s)
	}
	var norm string
	var err error
	switch Kind(kind) {
	case ByDomain:
		norm, err = Domain(value)
	case ByName:
		norm, err = Name(value)
	default:
		return "", fmt.Errorf("account key %q: unknown kind %q, want domain or name", s, kind)
	}
	if err != nil {
		return "", fmt.Errorf("account key %q: %w", s, err)
	}
	if norm != value {
		return "", fmt.Errorf("account key %q is not normalized: it would be %s:%s", s, kind, norm)
	}
	return Key(s), nil
}

// Kind is ByDomain or ByName.
func (k Key) Kind() Kind {
	kind, _, _ := strings.Cut(string(k), ":")
	return Kind(kind)
}

// Value is the normalized domain or name.
func (k Key) Value() string {
	_, v, _ := strings.Cut(string(k), ":")
	return v
}

// String is the key itself.
func (k Key) String() string { return string(k) }
