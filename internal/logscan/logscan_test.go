package logscan

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The scanner catches a secret printed on purpose, through a real slog JSON handler, in each form.
func TestScanCatchesASecretLoggedOnPurpose(t *testing.T) {
	const token = "tok/en+with=odd&chars-123"
	secrets := map[string]string{"hubspot token": token, "payload key": "k1:c2VjcmV0IGtleSBtYXRlcmlhbA=="}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("deal written", "deal", "CS-1", "pairing", "acme-globex", "crm", "hubspot")
	log.Info("oops", "authorization", "Bearer "+token)                               // line 2: plain (JSON keeps / + = & as they are)
	log.Debug("skipped below the level", "token", token)                             // not written
	log.Info("request", "body", "client_secret="+url.QueryEscape(token))             // line 3: url
	log.Info("basic", "header", base64.StdEncoding.EncodeToString([]byte(token)))    // line 4: base64
	log.Info("config", "env", "COSELL_PAYLOAD_KEYS=k1:c2VjcmV0IGtleSBtYXRlcmlhbA==") // line 5: plain
	hits, err := Scan(&buf, secrets)
	require.NoError(t, err)
	var got []string
	for _, h := range hits {
		got = append(got, h.String())
		assert.NotContains(t, h.String(), token, "a hit names the secret, never shows it")
	}
	assert.Equal(t, []string{
		"line 2: hubspot token (plain)",
		"line 3: hubspot token (url)",
		"line 4: hubspot token (base64)",
		"line 5: payload key (plain)",
	}, got)
}

func TestScanCleanLogHasNoHit(t *testing.T) {
	hits, err := Scan(strings.NewReader("{\"msg\":\"worker ready\",\"pairings\":[\"acme-globex\"]}\n"), map[string]string{"secret": "demo-sf-secret"})
	require.NoError(t, err)
	assert.Empty(t, hits)
}

func TestScanRefusesShortSecrets(t *testing.T) {
	_, err := Scan(strings.NewReader(""), map[string]string{"pin": "1234"})
	require.ErrorContains(t, err, "pin is 4 characters long")
}
