package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/demo"
	hsmock "github.com/cosellsync/cosell/mocks/hubspot"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

// world is one run's fakes and worker: a fresh org and portal, a pairing and task queue of its own.
type world struct {
	sf           *sfmock.Server
	hsSrv        *hsmock.Server
	sfURL, hsURL string
	servers      []*http.Server
	pairingID    string
	taskQueue    string
	worker       *exec.Cmd
	workerLog    *os.File
	workerExit   chan error
	// deals are the run's co-sold deals; progress takes the bench's step lines.
	deals    []seededDeal
	progress io.Writer
}

// newWorld starts both fakes on loopback ports, seeded with the demo's users, owners and custom fields and
// with n co-sold deals, half in each CRM. Seeds send no webhooks and spend no API calls, so the worker's
// first poll finds them as the flag burst. The per-call latency is set after seeding.
func newWorld(o Options, feed, mode string) (*world, []seededDeal, error) {
	sfOpts := demo.SalesforceOptions()
	sfOpts.DailyLimit = o.SalesforceDailyLimit
	w := &world{sf: sfmock.New(sfOpts), hsSrv: hsmock.New(demo.HubSpotOptions())}
	sfData := demo.Salesforce()
	sfData.Opportunities = nil
	hsData := demo.HubSpot()
	hsData.Deals = nil
	var deals []seededDeal
	for i := range o.Deals {
		name := fmt.Sprintf("Bench deal %05d", i)
		if i%2 == 0 {
			sfData.Opportunities = append(sfData.Opportunities, sfmock.Record{"Name": name, "StageName": "Qualification",
				"CloseDate": "2027-03-31", "Amount": 1000 + i, "NextStep": "seed", "OwnerId": "jane.doe@acme.example", "CoSell_Enabled__c": true})
			deals = append(deals, seededDeal{name: name, origin: sideSalesforce})
		} else {
			hsData.Deals = append(hsData.Deals, hsmock.SeedRecord{Properties: map[string]any{"dealname": name, "dealstage": "qualifiedtobuy",
				"pipeline": "default", "amount": fmt.Sprint(1000 + i), "closedate": "2027-03-31", "hs_next_step": "seed",
				"hubspot_owner_id": "71001", "cosell_enabled": "true"}})
			deals = append(deals, seededDeal{name: name, origin: sideHubSpot})
		}
	}
	if err := w.sf.Seed(sfData); err != nil {
		return nil, nil, fmt.Errorf("seed fake salesforce: %w", err)
	}
	if err := w.hsSrv.Seed(hsData); err != nil {
		return nil, nil, fmt.Errorf("seed fake hubspot: %w", err)
	}
	for _, rec := range w.sf.Opportunities() {
		for i := range deals {
			if deals[i].origin == sideSalesforce && deals[i].name == rec["Name"] {
				deals[i].sfID = rec["Id"].(string)
			}
		}
	}
	for _, rec := range w.hsSrv.Deals() {
		for i := range deals {
			if deals[i].origin == sideHubSpot && deals[i].name == rec.Properties["dealname"] {
				deals[i].hsID = rec.ID
			}
		}
	}
	var err error
	if w.sfURL, err = w.serve(w.sf); err == nil {
		w.hsURL, err = w.serve(w.hsSrv)
	}
	if err != nil {
		w.close()
		return nil, nil, err
	}
	w.sf.SetInstanceURL(w.sfURL)
	w.sf.Admin().SetLatency(o.Latency)
	w.hsSrv.Admin().SetLatency(o.Latency)
	w.pairingID = fmt.Sprintf("bench-%s-%s-%d-%d", feed, mode, os.Getpid(), time.Now().Unix()%100000)
	w.taskQueue = w.pairingID
	return w, deals, nil
}

func (w *world) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listen for a fake: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	w.servers = append(w.servers, srv)
	return "http://" + ln.Addr().String(), nil
}

// startWorker writes the run's pairing and starts `cosell worker` as a child process, so its peak RSS
// and CPU time are its own; it returns once the worker answers /readyz.
func (w *world) startWorker(ctx context.Context, o Options, temporalAddr, feed, mode string) error {
	raw, err := os.ReadFile(o.PairingFile)
	if err != nil {
		return fmt.Errorf("read the pairing to serve: %w", err)
	}
	text := string(raw)
	if !strings.Contains(text, "id: "+demo.PairingID) {
		return fmt.Errorf("%s: the bench serves the demo pairing (id %s) under a new id, and this file has no such id", o.PairingFile, demo.PairingID)
	}
	text = strings.Replace(text, "id: "+demo.PairingID, "id: "+w.pairingID, 1)
	dir := filepath.Join(o.Workdir, w.pairingID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	pairingPath := filepath.Join(dir, "pairing.yaml")
	if err := os.WriteFile(pairingPath, []byte(text), 0o644); err != nil {
		return err
	}
	httpAddr, err := freeAddr()
	if err != nil {
		return err
	}
	sfp, hsp := config.ConnectionPrefix(demo.SalesforceConnection), config.ConnectionPrefix(demo.HubSpotConnection)
	env := map[string]string{
		"TEMPORAL_ADDRESS":     temporalAddr,
		"COSELL_TASK_QUEUE":    w.taskQueue,
		"COSELL_HTTP_ADDR":     httpAddr,
		"COSELL_PAIRING_FILE":  pairingPath,
		"COSELL_POLL_INTERVAL": o.PollInterval.String(),
		"COSELL_POLL_OVERLAP":  "3s",
		"COSELL_LOG_LEVEL":     "warn",
		"COSELL_COALESCE":      fmt.Sprint(mode == ModeCoalesced),
		"COSELL_WEBHOOKS":      fmt.Sprint(feed == FeedWebhook),
		// The periodic reconcile's reads are no cost of an edit: off, so the calls counted are the sync's.
		"COSELL_RECONCILE_INTERVAL": "0",
		sfp + "URL":                 w.sfURL,
		sfp + "CLIENT_ID":           demo.SalesforceClientID,
		sfp + "CLIENT_SECRET":       demo.SalesforceClientSecret,
		sfp + "ORG_ID":              w.sf.OrgID(),
		hsp + "URL":                 w.hsURL,
		hsp + "TOKEN":               demo.HubSpotToken,
		hsp + "APP_SECRET":          demo.HubSpotAppSecret,
	}
	if feed == FeedWebhook {
		hsHooks, sfHooks := demo.Webhooks(httpAddr)
		if err := w.hsSrv.SetWebhooks(hsHooks); err != nil {
			return err
		}
		if err := w.sf.SetWebhooks(sfHooks); err != nil {
			return err
		}
	}
	cmd := exec.Command(o.Worker, "worker")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, o.WorkerEnv...)
	if w.workerLog, err = os.Create(filepath.Join(dir, "worker.log")); err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = w.workerLog, w.workerLog
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the worker %s: %w", o.Worker, err)
	}
	w.worker = cmd
	w.workerExit = make(chan error, 1)
	go func() { w.workerExit <- cmd.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case err := <-w.workerExit:
			w.workerExit <- err
			return fmt.Errorf("the worker exited before it was ready (%v); its log: %s\n%s", err, w.workerLog.Name(), tail(w.workerLog.Name()))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := http.Get("http://" + httpAddr + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the worker was not ready within 2 minutes; its log: %s", w.workerLog.Name())
		}
	}
}

// workerAlive reports an early exit of the worker as an error.
func (w *world) workerAlive() error {
	select {
	case err := <-w.workerExit:
		w.workerExit <- err
		return fmt.Errorf("the worker exited mid-run (%v); its log: %s\n%s", err, w.workerLog.Name(), tail(w.workerLog.Name()))
	default:
		return nil
	}
}

// close stops the worker (SIGTERM, then SIGKILL after 10 s), the fakes' webhooks and their servers.
func (w *world) close() {
	if w.worker != nil && w.worker.Process != nil {
		_ = w.worker.Process.Signal(syscall.SIGTERM)
		select {
		case <-w.workerExit:
		case <-time.After(10 * time.Second):
			_ = w.worker.Process.Kill()
			<-w.workerExit
		}
	}
	if w.workerLog != nil {
		w.workerLog.Close()
	}
	w.sf.Close()
	w.hsSrv.Close()
	for _, s := range w.servers {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = s.Shutdown(ctx)
		cancel()
	}
}

// freeAddr picks a loopback port for the worker's HTTP server, which the fakes' webhooks must know
// before the worker starts.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// tail is the end of a log file, for an error message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}
