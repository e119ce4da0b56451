//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/internal/chromium"
	"github.com/cosellsync/cosell/pairing"
)

// ScreenshotDirEnv names a directory the sync-health test saves its screenshots in, as sync-health.png
// (the pairing) and sync-health-deal.png (a deal): how docs/ gets them (README, "The sync-health page").
const ScreenshotDirEnv = "E2E_SCREENSHOT_DIR"

// healthGet reads a page of the worker's sync-health page as a script does.
func healthGet(t *testing.T, base, path string) string {
	t.Helper()
	resp, err := http.Get(base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, b)
	return string(b)
}

// pageText is what a person reads on a page: tags stripped, entities of the page's text decoded.
func pageText(html string) string {
	s := regexp.MustCompile(`(?s)<style.*?</style>|<[^>]+>`).ReplaceAllString(html, " ")
	s = strings.NewReplacer("&#39;", "'", "&lt;", "<", "&gt;", ">", "&amp;", "&", "&#43;", "+", "&quot;", `"`).Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// shoot loads a page of the running worker in headless Chromium, requires a clean console (no script
// error, no refusal by the page's Content-Security-Policy) and a PNG of the size asked, saves it under
// E2E_SCREENSHOT_DIR when set, and returns the text of the document as Chromium holds it.
func shoot(t *testing.T, pageURL string, w, h int, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, console, dom, err := chromium.ScreenshotURL(ctx, pageURL, w, h)
	require.NoError(t, err)
	assert.Empty(t, console, "the page loads with no console message in Chromium")
	img, err := png.Decode(bytes.NewReader(out))
	require.NoError(t, err)
	assert.Equal(t, w, img.Bounds().Dx())
	assert.Equal(t, h, img.Bounds().Dy())
	if dir := os.Getenv(ScreenshotDirEnv); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), out, 0o644))
		t.Logf("saved %s", filepath.Join(dir, name))
	}
	return pageText(dom)
}

// rejectingStages maps one stage to a value each CRM refuses, as a stale mapping would (see
// TestRejectionsBecomeSyncIssuesWhileOtherFieldsSync).
func rejectingStages(p string) string {
	p = strings.Replace(p, "a: Proposal/Price Quote,", "a: Proposal,", 1)
	return strings.Replace(p, "b: closedlost }", "b: closedlost_legacy }", 1)
}

// Issue #11, item 6: the worker's sync-health page shows a deal, the sync issue a CRM's rejection
// raised (with the CRM's own message and a resync button) and the deal's decision log, and renders in
// headless Chromium with nothing on its console.
func TestSyncHealthPageShowsARejectionInChromium(t *testing.T) {
	s := newStack(t, stackOptions{pairingMod: rejectingStages})
	addr := freeAddr(t)
	s.env["COSELL_HTTP_ADDR"] = addr
	base := "http://" + addr
	s.startWorker()
	opp := s.flagOpportunity("Stark pilot")
	coSellID, hsID := s.waitMirror(opp, 10*time.Second)

	// HubSpot → Salesforce: Salesforce refuses "Proposal" (a restricted picklist); the amount syncs.
	s.hsUser.updateDeal(hsID, map[string]any{"dealstage": "contractsent", "amount": "175000"})
	eventually(t, 10*time.Second, func() bool {
		v, err := s.deal(coSellID)
		return err == nil && hasIssue(v, pairing.A, "stage", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
	}, "Salesforce's rejection shows on the deal")
	eventually(t, 10*time.Second, func() bool {
		v, err := s.deal(coSellID)
		if err != nil {
			return false
		}
		for _, d := range v.Decisions {
			for _, f := range d.Fields {
				if d.Kind == engine.DecidedEcho && d.Side == pairing.A && f.Field == "amount" && f.Value == "175000" {
					return true // the feed brought Salesforce's amount back, and the deal knew it for its own
				}
			}
		}
		return false
	}, "the echo of the amount written to Salesforce is logged")
	v, err := s.deal(coSellID)
	require.NoError(t, err)
	var issue string
	for _, is := range v.Issues {
		if is.Side == pairing.A && is.Field == "stage" {
			issue = is.Message
		}
	}
	require.Contains(t, issue, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")

	home := pageText(healthGet(t, base, "/health"))
	assert.Contains(t, home, s.pairingID)
	pairingPath := "/health/pairings/" + s.pairingID
	page := healthGet(t, base, pairingPath)
	assert.Contains(t, page, `action="/health/pairings/`+s.pairingID+`/deals/`+coSellID+`/resync"`, "the issue's resync button")

	// What Chromium shows, loaded from the worker.
	text := shoot(t, base+pairingPath, 1280, 1150, "sync-health.png")
	assert.Contains(t, text, coSellID+" Stark pilot", "the deal is listed")
	assert.Contains(t, text, "stage rejected "+issue, "the sync issue with Salesforce's own message")
	assert.Contains(t, text, "Resync")
	assert.Contains(t, text, "Acme · acme-sf (salesforce, side a)")
	assert.Contains(t, text, "Daily:", "the Salesforce connection's API budget")
	assert.Contains(t, text, "registration: registration", "the running registration SLA")

	deal := shoot(t, base+pairingPath+"/deals/"+coSellID, 1280, 1300, "sync-health-deal.png")
	assert.Contains(t, deal, "stage (value map) qualification StageName proposal dealstage differs")
	assert.Contains(t, deal, "amount 175000 Amount 175000 amount in sync")
	assert.Contains(t, deal, "Acme stage proposal StageName = Proposal (value map) refused by the CRM",
		"the decision log shows the refused value as Salesforce was sent it")
	assert.Contains(t, deal, "echo a reading of Acme's record showed write #", "and the echo it did not write back")
	assert.Contains(t, deal, "Acme amount 175000 the deal's own write, read back")
}

// The resync button heals a drift the feeds missed: HubSpot's change feed is down while a rep edits
// the deal there, so Salesforce keeps the old amount; a resync from the page makes the deal read both
// sides and write the edit across.
func TestSyncHealthResyncHealsADrift(t *testing.T) {
	s := newStack(t, stackOptions{})
	addr := freeAddr(t)
	s.env["COSELL_HTTP_ADDR"] = addr
	base := "http://" + addr
	s.startWorker()
	opp := s.flagOpportunity("Umbrella drift")
	coSellID, hsID := s.waitMirror(opp, 10*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.temporal.TerminateWorkflow(ctx, s.feedID(pairing.B), "", "test: HubSpot's changes go unseen"))
	eventually(t, 5*time.Second, func() bool {
		d, err := s.temporal.DescribeWorkflowExecution(ctx, s.feedID(pairing.B), "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED
	}, "HubSpot's feed is down")
	s.hsUser.updateDeal(hsID, map[string]any{"amount": "424242"})
	time.Sleep(3 * time.Second) // six Salesforce polls: nothing brings HubSpot's edit over
	require.Equal(t, "125000", fmt.Sprint(s.sfUser.get("Opportunity", opp)["Amount"]), "the CRMs drifted apart")

	dealPath := "/health/pairings/" + s.pairingID + "/deals/" + coSellID
	page := healthGet(t, base, dealPath)
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(page)
	require.NotNil(t, m, "the page carries its CSRF token")

	// Without the token the resync is refused, and nothing changes.
	resp, err := http.PostForm(base+dealPath+"/resync", url.Values{})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	req, err := http.NewRequest(http.MethodPost, base+dealPath+"/resync", strings.NewReader(url.Values{"csrf": {m[1]}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "the resync is accepted")
	assert.Equal(t, dealPath+"?resynced=a+b", resp.Header.Get("Location"))

	eventually(t, 15*time.Second, func() bool {
		return fmt.Sprint(s.sfUser.get("Opportunity", opp)["Amount"]) == "424242"
	}, "the resync brings HubSpot's amount to Salesforce")
	// The write is logged once its activity (the write and its read-back) has answered the deal.
	eventually(t, 10*time.Second, func() bool {
		v, err := s.deal(coSellID)
		if err != nil {
			return false
		}
		for _, d := range v.Decisions {
			for _, f := range d.Fields {
				if d.Kind == engine.DecidedWrite && d.Side == pairing.A && f.Field == "amount" && f.Value == "424242" && f.From == pairing.B {
					return true
				}
			}
		}
		return false
	}, "the decision log says HubSpot changed the amount written to Salesforce")
	assert.Contains(t, pageText(healthGet(t, base, dealPath)), "amount 424242 Amount 424242 amount in sync")
}
