package codec

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"strings"

	"go.temporal.io/sdk/converter"
)

// MinTokenLength is the shortest bearer token the codec server accepts: it guards every payload of the
// namespace, so a guessable one is refused at start.
const MinTokenLength = 16

// ServerOptions configure the codec server's HTTP handler.
type ServerOptions struct {
	// Token is the bearer token every /encode and /decode request must carry (Authorization: Bearer …).
	Token string
	// Origins are the browser origins (the Temporal UI's, https://temporal.example.com) allowed to call
	// the server from a page; other origins get no CORS headers, so browsers refuse them.
	Origins []string
	// Namespace, when set, is the only namespace served: a request whose X-Namespace header (the UI
	// sends it) names another is refused, since its payloads are not encrypted with these keys.
	Namespace string
}

// Handler serves the Temporal codec server protocol (POST /encode and POST /decode, also under a
// namespace segment, /{namespace}/decode, as the CLI's endpoint templating makes; bodies
// {"payloads": [{"metadata": {…}, "data": "…"}]}) with the codec, behind a bearer token and CORS for
// the UI's origins. A CORS preflight (OPTIONS) is answered without the token, since browsers never
// send credentials on one; every other request without the token is 401.
func (c *Codec) Handler(o ServerOptions) (http.Handler, error) {
	if len(o.Token) < MinTokenLength {
		return nil, errors.New("the codec server's bearer token must be at least 16 characters")
	}
	want := sha256.Sum256([]byte(o.Token))
	inner := converter.NewPayloadCodecHTTPHandler(c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && slices.Contains(o.Origins, origin) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Namespace")
			h.Add("Vary", "Origin")
		}
		if !strings.HasSuffix(r.URL.Path, "/encode") && !strings.HasSuffix(r.URL.Path, "/decode") {
			http.NotFound(w, r)
			return
		}
		switch r.Method {
		case http.MethodOptions:
			w.WriteHeader(http.StatusNoContent)
			return
		case http.MethodPost:
		default:
			w.Header().Set("Allow", "POST, OPTIONS")
			http.Error(w, "use POST", http.StatusMethodNotAllowed)
			return
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		got := sha256.Sum256([]byte(token))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cosell-codec"`)
			http.Error(w, "401 unauthorized: send Authorization: Bearer <COSELL_CODEC_SERVER_TOKEN> (temporal --codec-auth 'Bearer …')", http.StatusUnauthorized)
			return
		}
		if ns := r.Header.Get("X-Namespace"); o.Namespace != "" && ns != "" && ns != o.Namespace {
			http.Error(w, "403 forbidden: this codec server serves namespace "+o.Namespace+", not "+ns, http.StatusForbidden)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 8<<20)
		inner.ServeHTTP(w, r)
	}), nil
}
