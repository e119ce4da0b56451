package chromium

import (
	"bytes"
	"context"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests below that render a page run the real Chromium. They never skip: without Chromium they fail
// with the install hint, in CI and on a laptop alike (make test installs it first).

func requireChromium(t *testing.T) {
	t.Helper()
	_, err := Find()
	require.NoError(t, err, "the rendering tests need Chromium")
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestScreenshotRendersThePageAtTheRequestedSize(t *testing.T) {
	requireChromium(t)
	const page = `<!doctype html><html><head><style>
  html, body { margin: 0; height: 100%; background: rgb(0, 160, 0); }
  #mark { position: absolute; left: 0; top: 0; width: 40px; height: 30px; background: rgb(220, 0, 0); }
</style></head><body><div id="mark"></div><script>document.body.dataset.ready = "1";</script></body></html>`
	out, console, err := Screenshot(testContext(t), page, 320, 200)
	require.NoError(t, err)
	assert.Empty(t, console, "a clean page reports nothing")

	img, err := png.Decode(bytes.NewReader(out))
	require.NoError(t, err)
	assert.Equal(t, 320, img.Bounds().Dx())
	assert.Equal(t, 200, img.Bounds().Dy())
	near := func(c color.Color, r, g, b uint8) bool {
		cr, cg, cb, _ := c.RGBA()
		d := func(x uint32, y uint8) bool { return int(x>>8)-int(y) < 12 && int(y)-int(x>>8) < 12 }
		return d(cr, r) && d(cg, g) && d(cb, b)
	}
	assert.True(t, near(img.At(200, 150), 0, 160, 0), "the body's green is painted: %v", img.At(200, 150))
	assert.True(t, near(img.At(10, 10), 220, 0, 0), "the red mark is at the top left: %v", img.At(10, 10))
	assert.True(t, near(img.At(60, 10), 0, 160, 0), "and only 40px wide: %v", img.At(60, 10))
}

func TestScreenshotReportsThePagesScriptErrors(t *testing.T) {
	requireChromium(t)
	const page = `<!doctype html><html><body><p>half a scorecard</p>
<script>
console.log("two\nlines");
notDefined();
</script>
<script>window.addEventListener("load", function () { null.x; });</script>
</body></html>`
	out, console, err := Screenshot(testContext(t), page, 200, 100)
	require.NoError(t, err, "a script error does not stop the screenshot")
	assert.NotEmpty(t, out)
	assert.Equal(t, []string{
		"page.html:3: two\nlines",
		"page.html:4: Uncaught ReferenceError: notDefined is not defined",
		"page.html:6: Uncaught TypeError: Cannot read properties of null (reading 'x')",
	}, console)
}

func TestScreenshotRefusesASizeOutOfRange(t *testing.T) {
	for _, wh := range [][2]int{{0, 10}, {10, -1}, {MaxSize + 1, 10}} {
		_, _, err := Screenshot(context.Background(), "<p>x</p>", wh[0], wh[1])
		assert.ErrorContains(t, err, "outside 1..")
	}
}

func TestSortStderrKeepsThePageAndDropsTheNoise(t *testing.T) {
	const url = "file:///tmp/cosell-chromium-1/page.html"
	stderr := `/usr/bin/chromium: 9: [: 25276510208: unexpected operator
[25566:25595:1122/204725.591012:ERROR:dbus/bus.cc:405] Failed to connect to the bus: Failed to connect to socket /run/dbus/system_bus_socket: No such file or directory
[25607:25607:1122/204725.760646:WARNING:media/gpu/vaapi/vaapi_wrapper.cc:1655] drmGetDevices2() has not found any devices
[28351:28351:1122/205239.478584:INFO:CONSOLE:1] "line1
line2", source: ` + url + ` (1)
[28351:28351:1122/205239.478756:INFO:CONSOLE:7] "Uncaught Error: deep", source: ` + url + ` (7)
[28351:28351:1122/205239.478756:INFO:CONSOLE(9)] "from an older Chromium", source: ` + url + ` (9)
[28351:28351:1122/205239.478756:INFO:CONSOLE:2] "from elsewhere", source: data:text/javascript,x (2)
[28499:28499:1122/205240.518908:ERROR:components/headless/command_handler/headless_command_handler.cc:403] Page load failed: net::ERR_FILE_NOT_FOUND
[28499:28499:1122/205240.518908:ERROR:some/other.cc:1] could not read ` + url + `
1039 bytes written to file /tmp/cosell-chromium-1/screenshot.png
`
	console, noise := sortStderr(stderr, url)
	assert.Equal(t, []string{
		"page.html:1: line1\nline2",
		"page.html:7: Uncaught Error: deep",
		"page.html:9: from an older Chromium",
		"data:text/javascript,x:2: from elsewhere",
		"ERROR: Page load failed: net::ERR_FILE_NOT_FOUND",
		"ERROR: could not read page.html",
	}, console)
	assert.Len(t, noise, 4)
	assert.Contains(t, noise[0], "unexpected operator")
	assert.Contains(t, noise[3], "bytes written")
}

func TestScreenshotURLLoadsTheServedPageWithItsHeaders(t *testing.T) {
	requireChromium(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/clean", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html><head><style>body { margin: 0; background: rgb(0, 0, 200); }</style></head><body><p id="x">sent</p><script>document.getElementById("x").textContent = "set by its script"</script></body></html>`))
	})
	mux.HandleFunc("/blocked", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		_, _ = w.Write([]byte(`<!doctype html><html><body><p>x</p><script>console.log("ran")</script></body></html>`))
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()

	out, console, dom, err := ScreenshotURL(testContext(t), ts.URL+"/clean", 120, 80)
	require.NoError(t, err)
	assert.Empty(t, console)
	assert.Contains(t, dom, `<p id="x">set by its script</p>`, "the document as the browser holds it, after its script")
	img, err := png.Decode(bytes.NewReader(out))
	require.NoError(t, err)
	assert.Equal(t, 120, img.Bounds().Dx())
	r, g, b, _ := img.At(60, 40).RGBA()
	assert.Equal(t, []uint32{0, 0, 200}, []uint32{r >> 8, g >> 8, b >> 8}, "the served page is painted")

	_, console, _, err = ScreenshotURL(testContext(t), ts.URL+"/blocked", 120, 80)
	require.NoError(t, err)
	require.NotEmpty(t, console, "the page's policy refusing its script is reported")
	assert.Contains(t, strings.Join(console, "\n"), "Content Security Policy")
	assert.NotContains(t, strings.Join(console, "\n"), "ran")

	_, _, _, err = ScreenshotURL(testContext(t), "file:///etc/passwd", 10, 10)
	assert.ErrorContains(t, err, "not an http or https URL")
}
