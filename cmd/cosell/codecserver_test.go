package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/internal/demo"
)

func TestCodecServerSettingsAreCheckedWithTheVariableToSet(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("a-token-from-a-secret-file\n"), 0o600))
	for name, tc := range map[string]struct {
		cfg  codecServerConfig
		want string
	}{
		"no token":     {codecServerConfig{PayloadKeys: demo.PayloadKeys}, "COSELL_CODEC_SERVER_TOKEN: required"},
		"short token":  {codecServerConfig{Token: "short", PayloadKeys: demo.PayloadKeys}, "at least 16 characters"},
		"two tokens":   {codecServerConfig{Token: demo.CodecServerToken, TokenFile: tokenFile, PayloadKeys: demo.PayloadKeys}, "both set"},
		"no keys":      {codecServerConfig{Token: demo.CodecServerToken}, "COSELL_PAYLOAD_KEYS: required"},
		"bad keys":     {codecServerConfig{Token: demo.CodecServerToken, PayloadKeys: "k1:c2hvcnQ="}, "COSELL_PAYLOAD_KEYS: entry 1: key k1: 5 bytes"},
		"missing file": {codecServerConfig{TokenFile: filepath.Join(t.TempDir(), "none"), PayloadKeys: demo.PayloadKeys}, "COSELL_CODEC_SERVER_TOKEN_FILE"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := codecHandler(tc.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}

	h, err := codecHandler(codecServerConfig{TokenFile: tokenFile, PayloadKeys: demo.PayloadKeys, Origins: "http://ui.example/ , https://temporal.example"})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/decode", strings.NewReader(`{"payloads":[]}`))
	req.Header.Set("Authorization", "Bearer a-token-from-a-secret-file")
	req.Header.Set("Origin", "http://ui.example")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "http://ui.example", rec.Header().Get("Access-Control-Allow-Origin"), "origins are trimmed of spaces and a trailing slash")

	err = run(context.Background(), []string{"codec-server", "extra"}, io.Discard, io.Discard)
	assert.Equal(t, 2, exitCode(err))
}

func TestEncryptedPayloadsWithoutKeysNameTheVariable(t *testing.T) {
	t.Setenv("COSELL_PAYLOAD_KEYS", "")
	t.Setenv("COSELL_PAYLOAD_KEYS_FILE", "")
	err := withPayloadHint(errors.New("deal CS-1: payload item 0: encoding binary/encrypted: payload encoding is not supported"))
	assert.Contains(t, err.Error(), "set COSELL_PAYLOAD_KEYS or COSELL_PAYLOAD_KEYS_FILE")
	other := errors.New("dial temporal: refused")
	assert.Same(t, other, withPayloadHint(other))
	assert.NoError(t, withPayloadHint(nil))
}
