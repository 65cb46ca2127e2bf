package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// hostile is what an API or a receiver may answer to get at the user's
// terminal: a clipboard write (OSC 52), a screen clear (CSI 2J), an 8-bit
// CSI (U+009B), DEL and a bell.
const hostile = "\x1b]52;c;cGF5bG9hZA==\x07\x1b[2J\u009b31m\x7f owned"

// terminalSafe fails the test when out holds a control character a
// terminal would act on.
func terminalSafe(t *testing.T, what, out string) {
	t.Helper()
	for _, r := range out {
		if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r < 0xa0 {
			t.Errorf("%s prints the control character %U:\n%q", what, r, out)
			return
		}
	}
}

// TestCLI_EscapesWhatComesFromOutside: once, delivery, history and
// test-target print what an API or a receiver said with its control
// characters escaped.
func TestCLI_EscapesWhatComesFromOutside(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI("line one\n")
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rcSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, hostile)
	}))
	defer rcSrv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pollhook.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`db = "state.db"
listen = ""

[[target]]
name = "hook"
url = %q
retry = ["1h"]

[[watch]]
name = "text"
url = %q
format = "text"
notify = ["hook"]
`, rcSrv.URL, apiSrv.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "once", "--config", cfg) // baseline
	api.Set("line one\n" + hostile + "\n")
	out, errOut, _ := tryCLI(t, "once", "--config", cfg)
	terminalSafe(t, "once", out+errOut)
	id := strings.TrimPrefix(strings.Split(strings.Split(out, `"id":"`)[1], `"`)[0], "")
	for _, args := range [][]string{
		{"delivery", id}, {"delivery", id, "--json"},
		{"deliveries"}, {"deliveries", "--json"},
		{"history", "text"}, {"history", "text", "--json"},
		{"test-target", "hook"},
	} {
		out, errOut, _ := tryCLI(t, append(args, "--config", cfg)...)
		terminalSafe(t, strings.Join(args, " "), out+errOut)
		if args[0] == "delivery" && !strings.Contains(out, `\u001b]52`) {
			t.Errorf("%s does not show the receiver's answer, escaped:\n%s", strings.Join(args, " "), out)
		}
	}
}
