package account_test

import (
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/account"
)

func TestDomain(t *testing.T) {
	cases := []struct{ in, want string }{
		{"acme.com", "acme.com"},
		{"ACME.COM", "acme.com"},
		{"  acme.com  ", "acme.com"},
		{"https://www.acme.com/about?x=1#top", "acme.com"},
		{"http://Acme.com:8080/", "acme.com"},
		{"acme.com:443", "acme.com"},
		{"acme.com.", "acme.com"},
		{"www.acme.co.uk", "acme.co.uk"},
		{"WWW.Acme.COM.", "acme.com"},
		{"//acme.com/x", "acme.com"},
		{"ftp://user:secret@files.acme.com", "files.acme.com"},
		{"jane.doe@acme.com", "acme.com"},
		{"acme.com/path\\x", "acme.com"},
		{"www.com", "www.com"}, // stripping would leave a single label
		{"www.www.acme.com", "acme.com"},
		{"Bücher.example", "xn--bcher-kva.example"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"ｂüｃｈｅｒ．example", "xn--bcher-kva.example"}, // full-width letters and dot
		{"münchen.de", "xn--mnchen-3ya.de"},
		{"a-b.io", "a-b.io"},
	}
	for _, c := range cases {
		got, err := account.Domain(c.in)
		require.NoError(t, err, "%q", c.in)
		assert.Equal(t, c.want, got, "%q", c.in)
		again, err := account.Domain(got)
		require.NoError(t, err)
		assert.Equal(t, got, again, "normalizing twice changes nothing")
	}
}

func TestMalformedDomains(t *testing.T) {
	cases := []struct{ in, msg string }{
		{"", "the domain is empty"},
		{"   ", "the domain is empty"},
		{"localhost", "at least two labels"},
		{"acme", "at least two labels"},
		{"acme..com", "empty label"},
		{".acme.com", "empty label"},
		{"acme com", "no spaces"},
		{"192.168.0.1", "an IP address"},
		{"http://[::1]:80/", "an IP address"},
		{"acme.com:http", `"http" after the colon is not a port`},
		{"acme_corp.com", "not a valid domain name"},
		{"-acme.com", `invalid label "-acme"`},
		{"acme.com, globex.com", "no spaces"},
		{"acme,globex.com", "not a valid domain name"},
		{"1http://acme.com", "is not a URL scheme"},
		{"https://", "no host name"},
		{strings.Repeat("a", 64) + ".com", "longer than 63 characters"},
		{strings.Repeat("abcdefghi.", 26) + "com", "more than a domain name's 253"},
	}
	for _, c := range cases {
		_, err := account.Domain(c.in)
		require.Error(t, err, "%q", c.in)
		assert.Contains(t, err.Error(), c.msg, "%q", c.in)
		if c.in != "" && strings.TrimSpace(c.in) != "" {
			assert.Contains(t, err.Error(), "malformed domain", "%q: the message names the problem", c.in)
		}
	}
}

func TestName(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Acme", "acme"},
		{"ACME, Inc.", "acme"},
		{"Acme Inc", "acme"},
		{"Acme Incorporated", "acme"},
		{"The Acme Corporation", "acme"},
		{"Acme Corp.", "acme"},
		{"Acme LLC", "acme"},
		{"Acme L.L.C.", "acme"},
		{"Acme Ltd", "acme"},
		{"Acme Limited", "acme"},
		{"Acme Pty Ltd", "acme"},
		{"Acme Pty. Ltd.", "acme"},
		{"Acme Co., Ltd.", "acme"},
		{"Acme & Co", "acme"},
		{"Acme GmbH", "acme"},
		{"Acme AG", "acme"},
		{"Acme SAS", "acme"},
		{"Acme S.A.", "acme"},
		{"Acme SA", "acme"},
		{"Acme B.V.", "acme"},
		{"Acme NV", "acme"},
		{"Acme PLC", "acme"},
		{"Procter & Gamble Co.", "procter and gamble"},
		{"Procter and Gamble", "procter and gamble"},
		{"Nestlé S.A.", "nestle"},
		{"Société Générale SA", "societe generale"},
		{"STRAßE GmbH", "strasse"},
		{"McDonald's Corporation", "mcdonalds"},
		{"  Globex —  Holdings,\tInc ", "globex holdings"},
		{"Ａｃｍｅ Ｉｎｃ", "acme"}, // full-width
		{"Co", "co"},         // never stripped to nothing
		{"The Company", "company"},
		{"Initech Holdings Inc. Ltd", "initech holdings"},
		{"Acme Spa", "acme spa"}, // a spa is a business, not a legal form
		{"3M Company", "3m"},
	}
	for _, c := range cases {
		got, err := account.Name(c.in)
		require.NoError(t, err, "%q", c.in)
		assert.Equal(t, c.want, got, "%q", c.in)
		again, err := account.Name(got)
		require.NoError(t, err)
		assert.Equal(t, got, again, "normalizing twice changes nothing")
	}
	for _, bad := range []string{"", "   ", "!!!", "—", strings.Repeat("acme ", 50)} {
		_, err := account.Name(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestKeys(t *testing.T) {
	k, err := account.Of("https://www.acme.com", "Acme, Inc.")
	require.NoError(t, err)
	assert.Equal(t, account.Key("domain:acme.com"), k, "a domain wins over the name")
	assert.Equal(t, account.ByDomain, k.Kind())
	assert.Equal(t, "acme.com", k.Value())

	k, err = account.Of("  ", "Acme, Inc.")
	require.NoError(t, err)
	assert.Equal(t, account.Key("name:acme"), k, "no domain: the name")
	assert.Equal(t, account.ByName, k.Kind())
	assert.Equal(t, "acme", k.String()[len("name:"):])

	_, err = account.Of("acme..com", "Acme, Inc.")
	assert.ErrorContains(t, err, "malformed domain", "a bad domain is refused, not replaced by the name")
	_, err = account.Of("", "")
	assert.ErrorContains(t, err, "needs a domain or a company name")

	for _, s := range []string{"domain:acme.com", "name:acme", "name:procter and gamble", "domain:xn--bcher-kva.example"} {
		k, err := account.ParseKey(s)
		require.NoError(t, err, s)
		assert.Equal(t, s, k.String())
	}
	for s, msg := range map[string]string{
		"acme.com":            "want domain:<domain>",
		"domain:":             "want domain:<domain>",
		"url:acme.com":        `unknown kind "url"`,
		"domain:www.acme.com": "not normalized: it would be domain:acme.com",
		"name:Acme Inc":       "not normalized: it would be name:acme",
		"domain:acme..com":    "malformed domain",
		"name:!!!":            "no letters or digits",
	} {
		_, err := account.ParseKey(s)
		assert.ErrorContains(t, err, msg, s)
	}
}

// FuzzKey checks, for any domain and name, that Of never panics and that what it accepts is a
// normalized key: it parses back as itself, normalizing its value again changes nothing, and it holds
// no upper case or white space other than single spaces between name words. go test runs the seeds.
func FuzzKey(f *testing.F) {
	for _, s := range [][2]string{
		{"https://www.Acme.com/about", ""}, {"", "ACME, Inc."}, {"Bücher.example", ""}, {"", "The Acme Co., Ltd."},
		{"xn--bcher-kva.example", ""}, {"jane@acme.com:25", ""}, {"", "ℌ𝔢𝔩𝔩𝔬 İstanbul ǅ"}, {"", "a & co"},
		{"", "Nestlé & Cie S.A."}, {"[::1]", ""}, {"a.b.c.d.e.f", "x"}, {"http://user@host.example:/x", ""},
		{"", "the the inc"}, {"", "x and inc co"}, {"www.www.acme.com", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, domain, name string) {
		k, err := account.Of(domain, name)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		back, err := account.ParseKey(string(k))
		if err != nil || back != k {
			t.Fatalf("key %q does not parse back as itself: %v", k, err)
		}
		v := k.Value()
		if v == "" || strings.TrimSpace(v) != v || strings.Contains(v, "  ") {
			t.Fatalf("key %q has a blank or badly spaced value", k)
		}
		for _, r := range v {
			if unicode.IsUpper(r) || (unicode.IsSpace(r) && r != ' ') {
				t.Fatalf("key %q holds %q", k, r)
			}
		}
		if k.Kind() == account.ByDomain && len(v) > 253 {
			t.Fatalf("domain key %q is longer than DNS allows", k)
		}
	})
}
