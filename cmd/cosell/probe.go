package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// probeOptions are the argument and flags of cosell probe.
type probeOptions struct {
	url     string
	timeout time.Duration
}

func newProbeCmd() *cobra.Command {
	var o probeOptions
	c := &cobra.Command{
		Use:   "probe URL",
		Short: "GET a health endpoint and succeed on a 2xx answer (container health checks)",
		Long: `GET the URL and exit 0 on a 2xx answer, 1 otherwise (the status and the first line of the body on
stderr). The worker image is distroless, with no shell and no curl, so docker-compose.yml's health checks
run the binary itself against the worker's /readyz and the fakes' admin endpoints.`,
		Example: "  cosell probe http://127.0.0.1:8080/readyz\n  cosell probe http://127.0.0.1:8701/__admin/limits --timeout 2s",
		Args:    exactArgs("URL"),
		RunE: func(c *cobra.Command, args []string) error {
			o.url = args[0]
			return runProbe(c.Context(), o, c.OutOrStdout())
		},
	}
	c.Flags().DurationVar(&o.timeout, "timeout", 3*time.Second, "give up after this long")
	return c
}

// runProbe GETs a URL and succeeds on a 2xx answer.
func runProbe(ctx context.Context, o probeOptions, out io.Writer) error {
	if !strings.HasPrefix(o.url, "http://") && !strings.HasPrefix(o.url, "https://") {
		return usageError("probe: %q is not an http(s) URL", o.url)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.url, nil)
	if err != nil {
		return usageError("probe: %v", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", o.url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	line := strings.TrimSpace(strings.SplitN(string(body), "\n", 2)[0])
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("probe %s: %s: %s", o.url, res.Status, line)
	}
	fmt.Fprintf(out, "%s: %s %s\n", o.url, res.Status, line)
	return nil
}
