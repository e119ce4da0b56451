//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/internal/codec"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/demo"
	"github.com/cosellsync/cosell/internal/logscan"
)

// lockedBuffer collects a child process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freeAddr is a loopback address with a port free a moment ago, for a child worker's COSELL_HTTP_ADDR.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// observed is a `cosell worker` process with JSON logs at debug level, every line kept.
type observed struct {
	cmd  *exec.Cmd
	base string // http://host:port of its HTTP server
	out  *lockedBuffer
}

// startObservedWorker runs the worker binary, as operators do, on an address the test knows, and
// waits until it is ready. With webhooks on, the fakes are told to call it.
func (s *stack) startObservedWorker(t *testing.T) *observed {
	t.Helper()
	addr := freeAddr(t)
	s.env["COSELL_HTTP_ADDR"] = addr
	s.env["COSELL_LOG_FORMAT"] = "json"
	s.env["COSELL_LOG_LEVEL"] = "debug"
	if s.hooks != nil {
		hs, sf := demo.Webhooks(addr)
		require.NoError(t, s.hs.SetWebhooks(hs))
		require.NoError(t, s.sf.SetWebhooks(sf))
	}
	o := &observed{cmd: exec.Command(cosellBin, "worker"), base: "http://" + addr, out: &lockedBuffer{}}
	o.cmd.Env = os.Environ()
	for k, v := range s.env {
		o.cmd.Env = append(o.cmd.Env, k+"="+v)
	}
	o.cmd.Stdout, o.cmd.Stderr = o.out, o.out
	require.NoError(t, o.cmd.Start())
	t.Cleanup(func() {
		if o.cmd.ProcessState == nil {
			_ = o.cmd.Process.Kill()
			_ = o.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("worker output (last 20000 bytes):\n%s", tail(o.out.String(), 20000))
		}
	})
	eventually(t, 60*time.Second, func() bool {
		resp, err := http.Get(o.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "the worker answers /readyz")
	return o
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// stop sends SIGTERM and waits for the drained worker to exit 0.
func (o *observed) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, o.cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- o.cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "the worker exits 0 after SIGTERM")
	case <-time.After(90 * time.Second):
		t.Fatal("the worker did not exit within 90s of SIGTERM")
	}
}

// scrape reads the worker's /metrics.
func (o *observed) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(o.base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return fams
}

// demoFlow is the demo's story on this stack: an Acme rep flags an opportunity in Salesforce, it is
// mirrored to HubSpot, Globex moves the stage, and each side shares a note.
func (s *stack) demoFlow(t *testing.T) (opp, coSellID, hsID string) {
	t.Helper()
	opp = s.flagOpportunity("Initech rollout")
	coSellID, hsID = s.waitMirror(opp, 60*time.Second)
	// Settled: the Salesforce side shows Globex's owner, so a Globex edit now follows what it was shown
	// (an earlier one could cross the mirror's creation and be a conflict that Acme's value wins).
	eventually(t, 60*time.Second, func() bool {
		return s.sfUser.get("Opportunity", opp)["CoSell_Partner_Owner_Email__c"] == "jdoe@globex.example"
	}, "the Salesforce side shows Globex's owner")
	s.hsUser.updateDeal(hsID, map[string]any{"dealstage": "contractsent"})
	eventually(t, 60*time.Second, func() bool {
		return s.sfUser.get("Opportunity", opp)["StageName"] == "Proposal/Price Quote"
	}, "HubSpot's stage change reaches Salesforce")
	s.sfUser.create("Task", map[string]any{"WhatId": opp, "Subject": "Call", "Description": "#partner Customer asked for SSO", "OwnerId": s.sfUser.userID("jane.doe@acme.example")})
	s.hsUser.createNote(hsID, "#partner Security review booked for Tuesday")
	eventually(t, 60*time.Second, func() bool {
		return len(s.hsNotes(hsID)) == 2 && len(s.sfTasks(opp)) == 2
	}, "notes mirrored (HubSpot %v, Salesforce %v)", func() any { return s.hsNotes(hsID) }, func() any { return s.sfTasks(opp) })
	return opp, coSellID, hsID
}

// labels of one sample, as a map.
func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// Acceptance b of issue #10: /metrics, scraped during the demo flow, shows mirror-latency samples in
// both directions and CRM call counters labelled with the CRM, the operation and the status.
func TestMetricsScrapedDuringTheDemoFlow(t *testing.T) {
	s := newStack(t, stackOptions{})
	w := s.startObservedWorker(t)
	s.demoFlow(t)

	var fams map[string]*dto.MetricFamily
	mirrors := map[string]uint64{}
	eventually(t, 30*time.Second, func() bool {
		fams = w.scrape(t)
		clear(mirrors)
		for _, m := range fams["cosell_mirror_latency_seconds"].GetMetric() {
			l := labels(m)
			if l["pairing"] == s.pairingID && m.GetHistogram().GetSampleSum() > 0 {
				mirrors[l["direction"]] += m.GetHistogram().GetSampleCount()
			}
		}
		return mirrors["a_to_b"] > 0 && mirrors["b_to_a"] > 0
	}, "mirror latency samples both ways (%v)", func() any { return mirrors })
	t.Logf("mirror latency samples: %v", mirrors)

	calls := map[string]float64{} // crm → successful calls
	for _, m := range fams["cosell_crm_calls_total"].GetMetric() {
		l := labels(m)
		require.NotEmpty(t, l["operation"], "%v", l)
		require.NotEmpty(t, l["status"], "%v", l)
		assert.NotContains(t, l["operation"], "?", "no query string in an operation: %v", l)
		if strings.HasPrefix(l["status"], "2") {
			calls[l["crm"]] += m.GetCounter().GetValue()
		}
	}
	assert.Positive(t, calls["salesforce"], "Salesforce calls counted")
	assert.Positive(t, calls["hubspot"], "HubSpot calls counted")
	var ops []string
	for _, m := range fams["cosell_crm_calls_total"].GetMetric() {
		l := labels(m)
		ops = append(ops, fmt.Sprintf("%s %s %s", l["crm"], l["operation"], l["status"]))
	}
	t.Logf("CRM operations: %d label sets, e.g. %v", len(ops), ops[:min(len(ops), 6)])
	assert.Less(t, len(ops), 60, "operations stay low in cardinality: %v", ops)

	var notices float64
	for _, m := range fams["cosell_notices_total"].GetMetric() {
		notices += m.GetCounter().GetValue()
	}
	assert.NotNil(t, fams["temporal_workflow_task_schedule_to_start_latency_seconds"], "the SDK's own metrics are served")
	assert.NotNil(t, fams["temporal_activity_execution_latency_seconds"], "the SDK's own metrics are served")
	assert.NotNil(t, fams["cosell_crm_call_duration_seconds"])
	t.Logf("notices counted: %v; budget gauges: %d", notices, len(fams["cosell_api_budget_remaining"].GetMetric()))
	w.stop(t)
}

// Issue #10: the demo flow runs with every secret the worker can hold configured (CRM client secret
// and token, the HubSpot app's webhook secret, the Salesforce callout secret, the payload key, the
// codec server's token, the partners' HTTP API tokens, and every access token Salesforce issues during
// the run), logging JSON at debug
// level; not one line of the worker's output holds any of them.
func TestDemoFlowLogsNoSecret(t *testing.T) {
	var issued sync.Map
	s := newStack(t, stackOptions{
		webhooks: &webhookOptions{poll: 2 * time.Second},
		encrypt:  true,
		sfWrap:   captureTokens(&issued),
	})
	sfp := config.ConnectionPrefix(demo.SalesforceConnection)
	s.env[sfp+"CALLOUT_SECRET"] = "callout-" + randomHex(t)
	s.env["COSELL_CODEC_SERVER_TOKEN"] = "codec-token-" + randomHex(t)
	s.env["COSELL_TRACES"] = "stdout" // the spans are scanned too
	acmeAPI, globexAPI := "api-acme-"+randomHex(t), "api-globex-"+randomHex(t)
	s.env["COSELL_API_TOKENS"] = "Acme=" + acmeAPI + ",Globex=" + globexAPI
	w := s.startObservedWorker(t)
	_, coSellID, _ := s.demoFlow(t)
	w.stop(t)

	keyID, key, ok := strings.Cut(s.env[codec.KeysEnv], ":")
	require.True(t, ok && keyID != "", "payload keys configured: %q", keyID)
	secrets := map[string]string{
		"Salesforce client secret":     demo.SalesforceClientSecret,
		"HubSpot private-app token":    demo.HubSpotToken,
		"HubSpot app (webhook) secret": demo.HubSpotAppSecret,
		"Salesforce callout secret":    s.env[sfp+"CALLOUT_SECRET"],
		"payload key":                  key,
		"codec server token":           s.env["COSELL_CODEC_SERVER_TOKEN"],
		"Acme's HTTP API token":        acmeAPI,
		"Globex's HTTP API token":      globexAPI,
	}
	n := 0
	issued.Range(func(k, _ any) bool {
		n++
		secrets[fmt.Sprintf("Salesforce access token %d", n)] = k.(string)
		return true
	})
	require.Positive(t, n, "the worker logged in to Salesforce")

	// The control: a line holding every secret is caught once per secret, so the scan below can fail.
	var all []string
	for _, v := range secrets {
		all = append(all, v)
	}
	control, err := logscan.Scan(strings.NewReader(`{"msg":"leak","values":"`+strings.Join(all, " ")+`"}`+"\n"), secrets)
	require.NoError(t, err)
	require.Len(t, control, len(secrets), "the scanner catches each secret printed on purpose")

	out := w.out.String()
	hits, err := logscan.Scan(strings.NewReader(out), secrets)
	require.NoError(t, err)
	assert.Empty(t, hits, "secrets in the worker's log")

	// Every line is a JSON object, and the lines about a deal say which deal, pairing and CRM.
	lines, written, spans := 0, 0, map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		lines++
		var rec map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), "line %d is not JSON: %s", lines, sc.Text())
		if name, ok := rec["Name"].(string); ok && rec["SpanContext"] != nil {
			spans[name]++
			continue
		}
		if rec["msg"] == "deal written" {
			written++
			assert.Equal(t, coSellID, rec["deal"], "line %d", lines)
			assert.Equal(t, s.pairingID, rec["pairing"], "line %d", lines)
			assert.Contains(t, []any{"salesforce", "hubspot"}, rec["crm"], "line %d", lines)
		}
	}
	require.NoError(t, sc.Err())
	assert.Positive(t, written, "deal writes are logged")
	for _, n := range []string{"RunWorkflow:DealWorkflow", "RunActivity:WriteDeal", "RunActivity:PollChanges", "SignalWithStartWorkflow:DealWorkflow"} {
		assert.Positive(t, spans[n], "a %s span in the COSELL_TRACES=stdout output (spans: %v)", n, spans)
	}
	t.Logf("scanned %d log and span lines for %d secrets; %d deal-written lines carry deal, pairing and crm; spans %v", lines, len(secrets), written, spans)
}

// captureTokens wraps the fake Salesforce so the test learns every access token it issues.
func captureTokens(into *sync.Map) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/oauth2/token") {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			if json.Unmarshal(rec.Body.Bytes(), &tok) == nil && tok.AccessToken != "" {
				into.Store(tok.AccessToken, true)
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = io.Copy(w, rec.Body)
		})
	}
}

func randomHex(t *testing.T) string {
	b := make([]byte, 12)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}
