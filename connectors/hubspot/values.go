package hubspot

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/cosellsync/cosell/connectors"
)

// toHubSpotValue converts a field value crossing the connectors boundary to the string HubSpot stores:
// numbers in plain decimal (never an exponent, which HubSpot's number properties reject), booleans as
// "true"/"false", nil as "" (which clears the property). Other types are a programming error upstream
// and are refused rather than sent as Go's %v rendering.
func toHubSpotValue(name string, v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", badValue(name, v)
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case float32:
		return toHubSpotValue(name, float64(x))
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case json.Number:
		return x.String(), nil
	}
	return "", badValue(name, v)
}

func badValue(name string, v any) error {
	return &connectors.Error{
		CRM: crmName, Op: "convert field " + name, Code: "INVALID_VALUE",
		Message: fmt.Sprintf("value %v of type %T cannot be written to a HubSpot property", v, v),
		Fields:  []string{name},
	}
}

// toHubSpotProperties converts a field map for a write.
func toHubSpotProperties(fields map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		s, err := toHubSpotValue(k, v)
		if err != nil {
			return nil, err
		}
		out[k] = s
	}
	return out, nil
}

var (
	blockEnd  = regexp.MustCompile(`(?i)<br\s*/?>|</p\s*>|</div\s*>|</li\s*>|</h[1-6]\s*>`)
	anyTag    = regexp.MustCompile(`(?s)<[^>]*>`)
	manyBlank = regexp.MustCompile(`\n{3,}`)
)

// plainText turns a note body into text. HubSpot stores hs_note_body as HTML (notes written in HubSpot's
// editor are <div>/<p> markup), while the partner CRM and the sync compare plain text: line breaks and
// block ends become newlines, tags go, entities are decoded.
func plainText(body string) string {
	s := blockEnd.ReplaceAllString(body, "\n")
	s = anyTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	s = strings.ReplaceAll(s, "\u00a0", " ")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	return strings.TrimSpace(manyBlank.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

// noteHTML renders a mirrored note as HubSpot note markup: the subject in bold on the first line, then
// the body, HTML-escaped with line breaks kept. plainText(noteHTML(s, b)) gives back the subject and the
// body as text.
func noteHTML(subject, body string) string {
	esc := func(s string) string {
		return strings.ReplaceAll(html.EscapeString(strings.ReplaceAll(s, "\r\n", "\n")), "\n", "<br>")
	}
	var b strings.Builder
	if subject = strings.TrimSpace(subject); subject != "" {
		b.WriteString("<p><strong>" + esc(subject) + "</strong></p>")
	}
	if body != "" {
		b.WriteString("<p>" + esc(body) + "</p>")
	}
	return b.String()
}
