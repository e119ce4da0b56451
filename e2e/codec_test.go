//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/internal/codec"
	"github.com/cosellsync/cosell/internal/devserver"
	"github.com/cosellsync/cosell/pairing"
)

// TestCodecKeepsPartnerDataOutOfHistory runs a mirror with the payload codec on and reads what the
// Temporal service holds, as someone with access to the cluster but not the keys would: the raw
// history, and `temporal workflow show` (the real CLI). Neither shows the note body or the deal value
// that plainly went through the deal; the CLI pointed at `cosell codec-server` with its token shows
// both. A field the pairing does not map, holding a sentinel on each side, never reaches the other CRM
// or the history, even decrypted: the connectors read only mapped fields.
func TestCodecKeepsPartnerDataOutOfHistory(t *testing.T) {
	s := newStack(t, stackOptions{encrypt: true})
	require.NotEmpty(t, s.env[codec.KeysEnv])
	s.startWorker()

	tag := fmt.Sprintf("%d-%d", os.Getpid(), seq.Add(1))
	note := "NOTESENTINEL-" + tag + " budget frozen until March"
	const amount = "87654321.23" // a '.' between digits never occurs in base64, so only the value matches
	unmappedSF, unmappedHS := "UNMAPPEDSF-"+tag, "UNMAPPEDHS-"+tag

	opp := s.sfUser.create("Opportunity", map[string]any{
		"Name": "Vandelay import " + tag, "StageName": "Qualification", "CloseDate": "2026-12-31", "Amount": 87654321.23,
		"Description": unmappedSF, // not a mapped field
		"OwnerId":     s.sfUser.userID("jane.doe@acme.example"), "CoSell_Enabled__c": true,
	})
	coSellID, hsID := s.waitMirror(opp, 30*time.Second)
	require.Equal(t, amount, s.hsUser.getDeal(hsID)["amount"], "the deal value went through the deal")
	s.sfUser.create("Task", map[string]any{"WhatId": opp, "Subject": "Call", "Description": "#partner " + note,
		"OwnerId": s.sfUser.userID("jane.doe@acme.example")})
	eventually(t, 30*time.Second, func() bool {
		for _, b := range s.hsNotes(hsID) {
			if strings.Contains(b, note) {
				return true
			}
		}
		return false
	}, "the note reached HubSpot (notes %v, deal %+v)", func() any { return s.hsNotes(hsID) }, func() any { v, err := s.deal(coSellID); return fmt.Sprint(v.Issues, v.NotesSynced, err) })
	// An unmapped HubSpot property edited by a Globex rep is read by no feed either.
	s.hsUser.updateDeal(hsID, map[string]any{"description": unmappedHS})
	s.waitFeedPolls(3, 30*time.Second)

	// The other CRM never saw the unmapped values.
	for _, d := range s.hs.Deals() {
		for k, v := range d.Properties {
			assert.NotContains(t, v, unmappedSF, "HubSpot deal %s property %s", d.ID, k)
		}
	}
	for _, b := range s.hsNotes(hsID) {
		assert.NotContains(t, b, unmappedSF)
	}
	for _, r := range s.sfUser.query("SELECT Id, Name, Description, NextStep FROM Opportunity") {
		assert.NotContains(t, fmt.Sprint(r), unmappedHS, "Salesforce opportunity %v", r["Id"])
	}
	for _, task := range s.sfTasks(opp) {
		assert.NotContains(t, fmt.Sprint(task), unmappedHS)
	}
	assert.Equal(t, unmappedSF, s.sfUser.get("Opportunity", opp)["Description"], "the unmapped field stays as the rep left it")

	workflows := []string{api.DealWorkflowID(coSellID), s.feedID(pairing.A), s.feedID(pairing.B)}
	secrets := []string{"NOTESENTINEL-" + tag, amount, unmappedSF, unmappedHS}

	// 1. The raw history, fetched by a client without the codec, holds none of it in its bytes.
	plain, err := client.Dial(client.Options{HostPort: temporalAddr, Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	require.NoError(t, err)
	defer plain.Close()
	for _, id := range workflows {
		raw := rawHistory(t, plain, id)
		require.Greater(t, len(raw), 1000, "history of %s", id)
		for _, secret := range secrets {
			assert.False(t, bytes.Contains(raw, []byte(secret)), "%q in plain text in the raw history of %s", secret, id)
		}
	}

	// 2. `temporal workflow show` without the codec server prints none of it: neither its detailed text
	// (payloads as the CLI renders them for people) nor its JSON history (read back into protobuf bytes,
	// since the JSON base64s payload data).
	bin, err := devserver.FindBinary()
	require.NoError(t, err)
	for _, id := range workflows {
		text, raw := temporalShow(t, bin, id)
		for _, secret := range secrets {
			assert.NotContains(t, text, secret, "temporal workflow show --detailed -w %s", id)
			assert.False(t, bytes.Contains(raw, []byte(secret)), "%q in temporal workflow show --output json -w %s", secret, id)
		}
	}

	// 3. With --codec-endpoint at `cosell codec-server` and its token, the CLI decodes the deal's history:
	// the note and the value are there, and the unmapped fields are not, in any workflow.
	const token = "e2e-codec-token-0123456789"
	endpoint := startCodecServer(t, token, s.env[codec.KeysEnv])
	auth := []string{"--codec-endpoint", endpoint, "--codec-auth", "Bearer " + token}
	text, raw := temporalShow(t, bin, workflows[0], auth...)
	assert.Contains(t, text, "NOTESENTINEL-"+tag, "decoded, the deal's history holds the note")
	assert.Contains(t, text, amount, "and the deal value")
	assert.True(t, bytes.Contains(raw, []byte("NOTESENTINEL-"+tag)), "in the JSON history too")
	assert.True(t, bytes.Contains(raw, []byte(amount)))
	for _, id := range workflows {
		text, raw := temporalShow(t, bin, id, auth...)
		for _, secret := range []string{unmappedSF, unmappedHS} {
			assert.NotContains(t, text, secret, "an unmapped field reached the history of %s", id)
			assert.False(t, bytes.Contains(raw, []byte(secret)), "an unmapped field reached the history of %s", id)
		}
	}

	// Without the token the codec server refuses, and the CLI shows nothing more than without it.
	cmd := exec.Command(bin, "workflow", "show", "--address", temporalAddr, "-w", workflows[0], "--output", "json",
		"--codec-endpoint", endpoint, "--codec-auth", "Bearer not-the-token-at-all")
	out, _ := cmd.CombinedOutput()
	assert.NotContains(t, string(out), "NOTESENTINEL-"+tag)
	assert.NotContains(t, string(out), amount)
}

// rawHistory is a workflow's history as the service sends it, in protobuf wire bytes: payload data is
// kept as the bytes it is (protojson would base64 it and hide plain text from a grep).
func rawHistory(t *testing.T, c client.Client, id string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var events []*historypb.HistoryEvent
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		events = append(events, ev)
	}
	b, err := proto.Marshal(&historypb.History{Events: events})
	require.NoError(t, err)
	return b
}

// temporalShow runs the real Temporal CLI's `workflow show` twice: --detailed, as people read it, and
// --output json, which it returns as protobuf wire bytes (payload data as the bytes they are).
func temporalShow(t *testing.T, bin, id string, extra ...string) (text string, raw []byte) {
	t.Helper()
	run := func(args ...string) []byte {
		args = append(append([]string{"workflow", "show", "--address", temporalAddr, "-w", id}, args...), extra...)
		cmd := exec.Command(bin, args...)
		cmd.Env = os.Environ()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, "temporal %s:\n%s%s", strings.Join(args, " "), out, stderr.String())
		return out
	}
	text = string(run("--detailed", "--color", "never"))
	var h historypb.History
	require.NoError(t, protojson.Unmarshal(run("--output", "json"), &h))
	raw, err := proto.Marshal(&h)
	require.NoError(t, err)
	return text, raw
}

// startCodecServer runs `cosell codec-server` on a free port with the keys given and returns its URL.
func startCodecServer(t *testing.T, token, keys string) string {
	t.Helper()
	cmd := exec.Command(cosellBin, "codec-server", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "COSELL_CODEC_SERVER_TOKEN="+token, codec.KeysEnv+"="+keys)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("codec server stderr:\n%s", stderr.String())
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "codec server did not start: %s", stderr.String())
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	_, rest, ok := strings.Cut(line, "http://")
	require.True(t, ok, "codec server said %q", line)
	addr, _, _ := strings.Cut(rest, " ")
	return "http://" + addr
}
