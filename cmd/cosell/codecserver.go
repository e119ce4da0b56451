package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/sethvargo/go-envconfig"
	"github.com/spf13/cobra"

	"github.com/cosellsync/cosell/internal/codec"
	"github.com/cosellsync/cosell/internal/demo"
)

// codecServerConfig is what `cosell codec-server` reads from the environment. The keys are the
// worker's own variables, so one secret serves both.
type codecServerConfig struct {
	Addr      string `env:"COSELL_CODEC_SERVER_ADDR, default=127.0.0.1:8081"`
	Token     string `env:"COSELL_CODEC_SERVER_TOKEN"`
	TokenFile string `env:"COSELL_CODEC_SERVER_TOKEN_FILE"`
	// Origins are the Temporal UI origins whose pages may call the server (CORS), comma separated.
	Origins         string `env:"COSELL_CODEC_SERVER_ORIGINS, default=http://localhost:8233,http://127.0.0.1:8233"`
	Namespace       string `env:"TEMPORAL_NAMESPACE"`
	PayloadKeys     string `env:"COSELL_PAYLOAD_KEYS"`
	PayloadKeysFile string `env:"COSELL_PAYLOAD_KEYS_FILE"`
}

// codecServerOptions are the flags of `cosell codec-server`; the rest comes from the environment.
type codecServerOptions struct {
	addr string
}

func newCodecServerCmd() *cobra.Command {
	var o codecServerOptions
	c := &cobra.Command{
		Use:   "codec-server",
		Short: "Decrypt payloads for the Temporal UI and CLI, behind a bearer token",
		Long: `Serve Temporal's codec server protocol (POST /encode, /decode, also under /{namespace}/) with the
worker's payload keys (COSELL_PAYLOAD_KEYS or COSELL_PAYLOAD_KEYS_FILE), so the Temporal UI and
` + "`temporal workflow show --codec-endpoint URL --codec-auth 'Bearer TOKEN'`" + ` show decrypted payloads
to whoever holds the token (COSELL_CODEC_SERVER_TOKEN or _FILE). CORS is granted to
COSELL_CODEC_SERVER_ORIGINS only.`,
		Example: `  COSELL_CODEC_SERVER_TOKEN=$(cat token) cosell codec-server --addr 127.0.0.1:8081
  temporal workflow show -w deal/CS-1 --codec-endpoint http://127.0.0.1:8081 --codec-auth "Bearer $(cat token)"`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError("cosell codec-server takes no arguments; it is configured from the environment (see README)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error {
			return runCodecServer(c.Context(), o, c.OutOrStdout())
		},
	}
	c.Flags().StringVar(&o.addr, "addr", "", "listen address (default $COSELL_CODEC_SERVER_ADDR, 127.0.0.1:8081)")
	return c
}

// runCodecServer serves the Temporal codec server protocol with the payload keys, so the Temporal UI
// and `temporal workflow show --codec-endpoint` show decrypted payloads to whoever holds the token.
func runCodecServer(ctx context.Context, o codecServerOptions, out io.Writer) error {
	var cfg codecServerConfig
	if err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: &cfg, Lookuper: envconfig.OsLookuper()}); err != nil {
		return configError(fmt.Errorf("invalid configuration: %w", err))
	}
	if o.addr != "" {
		cfg.Addr = o.addr
	}
	h, err := codecHandler(cfg)
	if err != nil {
		return configError(err)
	}
	srv, bound, err := listen(cfg.Addr, h)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "codec server on http://%s (POST /encode, /decode; Authorization: Bearer $COSELL_CODEC_SERVER_TOKEN)\n", bound)
	<-ctx.Done()
	return shutdown(srv)
}

// codecHandler builds the server's handler from its settings, refusing what is missing or malformed
// with the variable to set.
func codecHandler(cfg codecServerConfig) (http.Handler, error) {
	token := cfg.Token
	switch {
	case token != "" && cfg.TokenFile != "":
		return nil, errors.New("COSELL_CODEC_SERVER_TOKEN and COSELL_CODEC_SERVER_TOKEN_FILE are both set: set one")
	case cfg.TokenFile != "":
		b, err := os.ReadFile(cfg.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("COSELL_CODEC_SERVER_TOKEN_FILE: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	if token == "" {
		return nil, errors.New("COSELL_CODEC_SERVER_TOKEN: required: the bearer token every request must carry (make one with `head -c 32 /dev/urandom | base64`), or COSELL_CODEC_SERVER_TOKEN_FILE")
	}
	keys, err := codec.LoadKeys(cfg.PayloadKeys, cfg.PayloadKeysFile)
	if err != nil {
		return nil, err
	}
	if keys == nil {
		return nil, errors.New("COSELL_PAYLOAD_KEYS: required: the payload keys the worker encrypts with (or COSELL_PAYLOAD_KEYS_FILE)")
	}
	c, err := codec.New(keys)
	if err != nil {
		return nil, err
	}
	var origins []string
	for _, o := range strings.Split(cfg.Origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, strings.TrimSuffix(o, "/"))
		}
	}
	h, err := c.Handler(codec.ServerOptions{Token: token, Origins: origins, Namespace: cfg.Namespace})
	if err != nil {
		return nil, fmt.Errorf("COSELL_CODEC_SERVER_TOKEN: %w", err)
	}
	return h, nil
}

// startDevCodecServer serves the demo's codec server beside the worker, with the keys and token of the
// demo environment (the operator's own COSELL_PAYLOAD_KEYS and COSELL_CODEC_SERVER_TOKEN win). It
// stops when the process does.
func startDevCodecServer(env envconfig.Lookuper, addr string) (bound, token string, err error) {
	var cfg codecServerConfig
	if err := envconfig.ProcessWith(context.Background(), &envconfig.Config{Target: &cfg, Lookuper: env}); err != nil {
		return "", "", configError(fmt.Errorf("invalid configuration: %w", err))
	}
	cfg.Addr = addr
	h, err := codecHandler(cfg)
	if err != nil {
		return "", "", configError(err)
	}
	_, bound, err = listen(cfg.Addr, h)
	token = "$COSELL_CODEC_SERVER_TOKEN" // an operator's own token is not printed
	if cfg.Token == demo.CodecServerToken {
		token = demo.CodecServerToken
	}
	return bound, token, err
}

// withPayloadHint says what to do when a one-shot command meets encrypted payloads without the keys:
// the SDK's own message ("encoding binary/encrypted: payload encoding is not supported") does not.
func withPayloadHint(err error) error {
	if err == nil || !strings.Contains(err.Error(), codec.Encoding) || os.Getenv(codec.KeysEnv) != "" || os.Getenv(codec.KeysFileEnv) != "" {
		return err
	}
	return fmt.Errorf("%w\n(the workflow's payloads are encrypted: set %s or %s to the worker's payload keys)", err, codec.KeysEnv, codec.KeysFileEnv)
}
