package chromium

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds one Screenshot when the context has no deadline. A first start of Chromium on a
// cold machine takes a few seconds; a hung one must not hang the test run.
const DefaultTimeout = 60 * time.Second

// MaxSize is the largest width or height Screenshot accepts, in CSS pixels.
const MaxSize = 10_000

// pngSignature opens every PNG file.
var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// Screenshot renders html in headless Chromium in a window of width×height CSS pixels (device scale 1,
// so the PNG has exactly that size) and returns the screenshot as PNG bytes, with the page's console
// messages.
//
// The page is written to a file in a new temporary directory and loaded from its file:// URL, with a new
// profile in that directory, and Chromium is run as
//
//	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
//	  --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage
//	  --hide-scrollbars --force-device-scale-factor=1 --enable-logging=stderr --v=0
//	  --user-data-dir=DIR/profile --screenshot=DIR/screenshot.png --window-size=W,H file://DIR/page.html
//
// --no-sandbox because Chromium refuses to sandbox as root (CI containers run as root); the background
// networking, component update, sync and QUIC switches keep a closed network from stalling or erroring
// the run; --disable-dev-shm-usage keeps a container's small /dev/shm from crashing it. Chromium takes
// the shot once the page has loaded (its load event included), so a script that runs later is not seen.
//
// It fails when Chromium cannot be found (the error says how to install it), exits non-zero, outlives the
// context or DefaultTimeout (the whole process group is killed), or leaves no PNG, an empty one or one
// that does not parse. A page that fails to load fails that way too, with Chromium's reason in console.
//
// console is what Chromium reported about the page, in order:
//   - every message the page wrote to its console and every uncaught exception, as "page.html:LINE:
//     MESSAGE" ("page.html:12: Uncaught TypeError: ..."). Chromium logs a web page's console messages
//     at one level whatever the method, so console.log and console.error cannot be told apart: all are
//     reported, and a page meant to render cleanly should log nothing;
//   - ERROR and FATAL lines about the page: those naming its URL, and the headless command handler's
//     ("ERROR: Page load failed: net::ERR_FILE_NOT_FOUND").
//
// Everything else on stderr is the browser's noise and is dropped: D-Bus, GPU, VA-API, sandbox and
// screen-saver warnings, the Debian launcher's own shell errors, "N bytes written to file". Command-line
// Chromium does not report failed sub-resource loads (a missing image or stylesheet), so a page that
// needs them is not caught here; the scorecard is self-contained and loads none.
func Screenshot(ctx context.Context, html string, width, height int) (pngBytes []byte, console []string, err error) {
	if width <= 0 || height <= 0 || width > MaxSize || height > MaxSize {
		return nil, nil, fmt.Errorf("chromium screenshot: size %dx%d is outside 1..%d", width, height, MaxSize)
	}
	dir, err := os.MkdirTemp("", "cosell-chromium-")
	if err != nil {
		return nil, nil, fmt.Errorf("chromium screenshot: %w", err)
	}
	defer os.RemoveAll(dir)
	page := filepath.Join(dir, pageName)
	if err := os.WriteFile(page, []byte(html), 0o600); err != nil {
		return nil, nil, fmt.Errorf("chromium screenshot: write page: %w", err)
	}
	return shoot(ctx, dir, (&url.URL{Scheme: "file", Path: page}).String(), width, height, nil)
}

// ScreenshotURL is Screenshot of a page a server serves: Chromium loads pageURL (http or https) itself,
// as a browser does, so the server's headers (a Content-Security-Policy, say) apply and any refusal
// they cause is reported in console like a script error. The page's own messages name their source by
// its URL, and pageURL is shortened to page.html in them. dom is the document as Chromium holds it
// once loaded (--dump-dom, in the same run as the screenshot), so a test can check what the browser
// shows, not only what the server sent.
func ScreenshotURL(ctx context.Context, pageURL string, width, height int) (pngBytes []byte, console []string, dom string, err error) {
	if width <= 0 || height <= 0 || width > MaxSize || height > MaxSize {
		return nil, nil, "", fmt.Errorf("chromium screenshot: size %dx%d is outside 1..%d", width, height, MaxSize)
	}
	if u, err := url.Parse(pageURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, "", fmt.Errorf("chromium screenshot: %q is not an http or https URL", pageURL)
	}
	dir, err := os.MkdirTemp("", "cosell-chromium-")
	if err != nil {
		return nil, nil, "", fmt.Errorf("chromium screenshot: %w", err)
	}
	defer os.RemoveAll(dir)
	pngBytes, console, err = shoot(ctx, dir, pageURL, width, height, &dom)
	return pngBytes, console, dom, err
}

// shoot runs Chromium once on pageURL with a new profile in dir (see Screenshot); with dom set, it
// also dumps the loaded document into it.
func shoot(ctx context.Context, dir, pageURL string, width, height int, dom *string) (pngBytes []byte, console []string, err error) {
	bin, err := Find()
	if err != nil {
		return nil, nil, err
	}
	shot := filepath.Join(dir, "screenshot.png")
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--hide-scrollbars", "--force-device-scale-factor=1", "--enable-logging=stderr", "--v=0",
		"--user-data-dir=" + filepath.Join(dir, "profile"),
		"--screenshot=" + shot,
		"--window-size=" + strconv.Itoa(width) + "," + strconv.Itoa(height),
	}
	if dom != nil {
		args = append(args, "--dump-dom")
	}
	args = append(args, pageURL)

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	// Chromium's output goes to a file rather than a pipe, so a helper process that outlives the browser
	// cannot hold Wait open.
	logPath := filepath.Join(dir, "chromium.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, nil, fmt.Errorf("chromium screenshot: %w", err)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	domPath := filepath.Join(dir, "dom.html")
	if dom != nil {
		domFile, err := os.Create(domPath)
		if err != nil {
			logFile.Close()
			return nil, nil, fmt.Errorf("chromium screenshot: %w", err)
		}
		defer domFile.Close()
		cmd.Stdout = domFile // --dump-dom writes the document, and nothing else, to standard output
	}
	cmd.Dir = dir
	ownProcessGroup(cmd) // Chromium forks a zygote, a GPU and a renderer process: stop them all together
	start := time.Now()
	runErr := cmd.Run()
	killProcessGroup(cmd) // helpers that outlived the browser
	logFile.Close()
	if dom != nil {
		b, _ := os.ReadFile(domPath)
		*dom = string(b)
	}
	logged, _ := os.ReadFile(logPath)
	console, noise := sortStderr(string(logged), pageURL)

	switch {
	case ctx.Err() != nil:
		return nil, console, fmt.Errorf("chromium screenshot: stopped after %s: %w%s", time.Since(start).Round(time.Millisecond), ctx.Err(), tail(console, noise))
	case runErr != nil:
		return nil, console, fmt.Errorf("chromium screenshot: %s: %w%s", bin, runErr, tail(console, noise))
	}
	out, err := os.ReadFile(shot)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, console, fmt.Errorf("chromium screenshot: %s exited 0 but wrote no screenshot%s", bin, tail(console, noise))
	case err != nil:
		return nil, console, fmt.Errorf("chromium screenshot: %w", err)
	case len(out) == 0:
		return nil, console, fmt.Errorf("chromium screenshot: %s wrote an empty screenshot%s", bin, tail(console, noise))
	case !bytes.HasPrefix(out, pngSignature):
		return nil, console, fmt.Errorf("chromium screenshot: %s wrote a screenshot that is not a PNG (%d bytes)%s", bin, len(out), tail(console, noise))
	}
	if _, err := png.DecodeConfig(bytes.NewReader(out)); err != nil {
		return nil, console, fmt.Errorf("chromium screenshot: %s wrote a broken PNG: %w", bin, err)
	}
	return out, console, nil
}

// tail renders what Chromium said for an error message: the page's messages, then the last lines of noise.
func tail(console, noise []string) string {
	const keep = 15
	var b strings.Builder
	if len(console) > 0 {
		b.WriteString("\npage messages:\n  " + strings.Join(console, "\n  "))
	}
	if len(noise) > keep {
		noise = noise[len(noise)-keep:]
	}
	if len(noise) > 0 {
		b.WriteString("\nchromium stderr (last lines):\n  " + strings.Join(noise, "\n  "))
	}
	return b.String()
}
