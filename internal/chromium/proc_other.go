//go:build !unix

package chromium

import "os/exec"

// ownProcessGroup leaves cmd as it is where process groups do not exist; cancelling kills Chromium only.
func ownProcessGroup(*exec.Cmd) {}

// killProcessGroup has nothing to do where process groups do not exist.
func killProcessGroup(*exec.Cmd) {}
