package codec

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

const testToken = "codec-test-token-0123456789"

func testServer(t *testing.T) (*Codec, *httptest.Server) {
	t.Helper()
	c := mustCodec(t, entry("k1", randomKey(t)))
	h, err := c.Handler(ServerOptions{Token: testToken, Origins: []string{"http://localhost:8233"}, Namespace: "cosell"})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return c, srv
}

func remote(url, auth string) converter.PayloadCodec {
	return converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: url, ModifyRequest: func(r *http.Request) error {
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		return nil
	}})
}

func TestCodecServerRoundTrip(t *testing.T) {
	local, srv := testServer(t)
	plain, err := converter.GetDefaultDataConverter().ToPayload(map[string]string{"note": "SENTINEL note"})
	require.NoError(t, err)

	r := remote(srv.URL, "Bearer "+testToken)
	enc, err := r.Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	require.Len(t, enc, 1)
	assert.Equal(t, Encoding, string(enc[0].Metadata["encoding"]))
	assert.NotContains(t, string(enc[0].Data), "SENTINEL")

	// What the server encrypted the worker decrypts, and the other way round.
	back, err := local.Decode(enc)
	require.NoError(t, err)
	assert.Equal(t, plain.Data, back[0].Data)
	mine, err := local.Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	dec, err := r.Decode(mine)
	require.NoError(t, err)
	assert.Equal(t, string(plain.Data), string(dec[0].Data))

	// The CLI's templated endpoint puts the namespace in the path.
	dec, err = remote(srv.URL+"/cosell", "Bearer "+testToken).Decode(mine)
	require.NoError(t, err)
	assert.Equal(t, string(plain.Data), string(dec[0].Data))
}

func TestCodecServerRefusesWithoutTheToken(t *testing.T) {
	local, srv := testServer(t)
	mine, err := local.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"x"`)}})
	require.NoError(t, err)
	for _, auth := range []string{"", "Bearer wrong-token-wrong-token", testToken, "Basic " + testToken} {
		_, err := remote(srv.URL, auth).Decode(mine)
		require.Error(t, err, "auth %q", auth)
		assert.Contains(t, err.Error(), "401", "auth %q", auth)
	}

	body := `{"payloads":[]}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/decode", strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, `Bearer realm="cosell-codec"`, resp.Header.Get("WWW-Authenticate"))
}

func TestCodecServerCORSAndNamespace(t *testing.T) {
	_, srv := testServer(t)
	pre, _ := http.NewRequest(http.MethodOptions, srv.URL+"/decode", nil)
	pre.Header.Set("Origin", "http://localhost:8233")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(pre)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode, "a preflight carries no credentials and is answered")
	assert.Equal(t, "http://localhost:8233", resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Credentials"))
	assert.Contains(t, resp.Header.Get("Access-Control-Allow-Headers"), "X-Namespace")
	assert.Contains(t, resp.Header.Get("Access-Control-Allow-Headers"), "Authorization")

	pre.Header.Set("Origin", "http://evil.example")
	resp, err = http.DefaultClient.Do(pre)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), "an origin not listed gets no CORS grant")

	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/decode", strings.NewReader(`{"payloads":[]}`))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("X-Namespace", "other")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/decode", nil)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/decode", strings.NewReader(`not json`))
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestCodecServerRefusesAShortToken(t *testing.T) {
	c := mustCodec(t, entry("k1", randomKey(t)))
	_, err := c.Handler(ServerOptions{Token: "short"})
	assert.ErrorContains(t, err, "at least 16 characters")
}
