// Package logscan finds secrets in log output, so a test can prove that no token, client secret,
// webhook secret or key ever reaches a log line — in the clear or in the encodings a careless log line
// would carry it in (a form body, a basic-auth header, a JSON string).
package logscan

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
)

// MinSecretLen is the shortest secret Scan looks for: a shorter one would match ordinary text.
const MinSecretLen = 8

// Hit is one secret found on one line.
type Hit struct {
	Line   int    // 1-based
	Secret string // the secret's name, never its value
	Form   string // how it appeared: plain, url, base64, json
}

func (h Hit) String() string { return fmt.Sprintf("line %d: %s (%s)", h.Line, h.Secret, h.Form) }

// Scan reads every line of r and reports each line that holds one of secrets (by name), in any of the
// forms above. A secret shorter than MinSecretLen is an error: a scan for it would prove nothing.
func Scan(r io.Reader, secrets map[string]string) ([]Hit, error) {
	type needle struct{ name, form, text string }
	var needles []needle
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range secrets {
			if !yield(k) {
				return
			}
		}
	}) {
		v := secrets[name]
		if len(v) < MinSecretLen {
			return nil, fmt.Errorf("secret %s is %d characters long, under %d: a scan for it would match ordinary text", name, len(v), MinSecretLen)
		}
		quoted, _ := json.Marshal(v)
		forms := []needle{{name, "plain", v}, {name, "url", url.QueryEscape(v)}, {name, "json", strings.Trim(string(quoted), `"`)},
			{name, "base64", strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(v)), "=")}}
		for _, f := range forms {
			if !slices.ContainsFunc(needles, func(n needle) bool { return n.name == f.name && n.text == f.text }) {
				needles = append(needles, f)
			}
		}
	}
	var hits []Hit
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		for _, nd := range needles {
			if strings.Contains(line, nd.text) {
				hits = append(hits, Hit{Line: n, Secret: nd.name, Form: nd.form})
			}
		}
	}
	if err := sc.Err(); err != nil {
		return hits, fmt.Errorf("read log: %w", err)
	}
	return hits, nil
}
