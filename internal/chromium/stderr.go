package chromium

import (
	"fmt"
	"regexp"
	"strings"
)

// pageName stands for the temporary page's URL in the messages Screenshot returns, so they read the same
// from run to run.
const pageName = "page.html"

// logLine is one line of Chromium's log: [pid:tid:MMDD/HHMMSS.micros:SEVERITY:location] text. The
// process, thread and time fields vary with the build and flags, so they are optional.
var logLine = regexp.MustCompile(`^\[(?:[0-9:/.]+:)?([A-Z]+|VERBOSE[0-9]+):([^\]]*)\] ?(.*)$`)

// consoleText is the text of a console entry: "message", source: URL (line). The message may span lines.
var consoleText = regexp.MustCompile(`(?s)^"(.*)", source: (.*) \(([0-9]+)\)$`)

// maxConsoleLines bounds how far a multi-line console message is followed.
const maxConsoleLines = 200

// sortStderr splits what Chromium wrote on stderr into the page's messages and the rest. pageURL is the
// file:// URL the page was loaded from; see Screenshot for what counts as a page message.
func sortStderr(out, pageURL string) (console, noise []string) {
	lines := strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		m := logLine.FindStringSubmatch(line)
		switch {
		case m != nil && strings.HasPrefix(m[2], "CONSOLE"):
			text, end := m[3], i
			for j := i; j < len(lines) && j-i < maxConsoleLines; j++ {
				if j > i {
					text += "\n" + lines[j]
				}
				if consoleText.MatchString(text) {
					end = j
					break
				}
			}
			if end == i {
				text = m[3] // not in the expected shape: keep the one line
			}
			console = append(console, formatConsole(text, pageURL))
			i = end
		case m != nil && (m[1] == "ERROR" || m[1] == "FATAL") && aboutPage(m[2], m[3], pageURL):
			console = append(console, m[1]+": "+strings.ReplaceAll(m[3], pageURL, pageName))
		case strings.TrimSpace(line) != "":
			noise = append(noise, line)
		}
	}
	return console, noise
}

// aboutPage reports whether an error line concerns the page rather than the browser around it: it names
// the page, or it comes from the headless command handler, which loads the page and takes the shot
// ("Page load failed: net::ERR_FILE_NOT_FOUND").
func aboutPage(location, text, pageURL string) bool {
	return strings.Contains(text, pageURL) || strings.Contains(location, "headless_command_handler")
}

// formatConsole renders a console entry as SOURCE:LINE: MESSAGE, the page's URL shortened to page.html.
func formatConsole(text, pageURL string) string {
	m := consoleText.FindStringSubmatch(text)
	if m == nil {
		return strings.ReplaceAll(text, pageURL, pageName)
	}
	msg, src, line := m[1], m[2], m[3]
	switch src {
	case pageURL:
		src = pageName
	case "":
		return msg
	}
	return fmt.Sprintf("%s:%s: %s", src, line, msg)
}
