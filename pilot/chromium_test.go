package pilot_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/internal/chromium"
	"github.com/cosellsync/cosell/pilot"
)

// TestHTMLScorecardRendersInChromium renders the day-90 scorecard page, and the empty one, in headless
// Chromium (Debian's chromium, installed by `make tools-chromium`) and takes a screenshot: the page must
// load with no console error, and the screenshot must be a real image of the requested size. It never
// skips; without Chromium it fails with the install hint. COSELL_SCORECARD_PNG names a folder to keep
// the screenshots in, for a person to look at.
func TestHTMLScorecardRendersInChromium(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	cards := map[string]pilot.Scorecard{
		"day90": pilot.Score(cfg, "acme-globex", "Acme × Globex", fixture(t, cfg), solo(), 90, day(90)),
		"empty": pilot.Score(cfg, "acme-globex", "Acme × Globex", pilot.NewSummary(1, start), pilot.Baseline{}, 30, day(30)),
	}
	for name, card := range cards {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			shot, console, err := chromium.Screenshot(ctx, card.HTML(), 1200, 1600)
			require.NoError(t, err)
			assert.Empty(t, console, "the page logs no error")
			img, err := png.Decode(bytes.NewReader(shot))
			require.NoError(t, err)
			assert.Equal(t, 1200, img.Bounds().Dx())
			assert.Equal(t, 1600, img.Bounds().Dy())
			if dir := os.Getenv("COSELL_SCORECARD_PNG"); dir != "" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "scorecard-"+name+".png"), shot, 0o644))
			}
		})
	}
}
