// Package chromium renders a self-contained HTML page, or a page a server serves (ScreenshotURL), in
// headless Chromium and returns a screenshot, for tests that must see a page as a browser does (the
// pilot scorecard, the worker's sync-health page): that it loads, runs its scripts without an uncaught
// error and paints at a given size.
//
// It drives the chromium binary from the command line (--headless --screenshot), with no DevTools
// client: Debian's chromium package is the one dependency, installed by `make tools-chromium`. Find says
// which binary runs; Screenshot and ScreenshotURL run it once per page with a fresh profile, and sorts what Chromium
// writes on stderr into the page's own messages and the browser's noise (see Screenshot).
package chromium

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// EnvBinary names the environment variable that selects the Chromium binary: a path, or a command name
// looked up on PATH (google-chrome, chromium-browser). When set it is the only candidate.
const EnvBinary = "COSELL_CHROMIUM"

// DebianPath is where Debian's chromium package installs its launcher.
const DebianPath = "/usr/bin/chromium"

// InstallHint is the fix every "not found" error names.
const InstallHint = "install it with `make tools-chromium` (Debian's chromium package), or set " + EnvBinary + " to a Chromium or Chrome binary"

// ErrNotFound matches (errors.Is) the error of Find when no Chromium binary is available.
var ErrNotFound = errors.New("chromium not found")

// Find returns the Chromium binary to run: $COSELL_CHROMIUM when set (and then nothing else, so a wrong
// setting is reported instead of silently replaced), else /usr/bin/chromium, else chromium on PATH. The
// error matches ErrNotFound and says how to install it.
func Find() (string, error) {
	if v := os.Getenv(EnvBinary); v != "" {
		p, err := exec.LookPath(v)
		if err != nil {
			return "", fmt.Errorf("%w: %s=%q is not an executable (%v); %s", ErrNotFound, EnvBinary, v, err, InstallHint)
		}
		return p, nil
	}
	if isExecutable(DebianPath) {
		return DebianPath, nil
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w: neither %s nor chromium on PATH; %s", ErrNotFound, DebianPath, InstallHint)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}
