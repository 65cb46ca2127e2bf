package poller

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"
)

// TestWithLazy checks that a lazy logger logs what log.With's would, and
// makes its handler only when something is logged.
func TestWithLazy(t *testing.T) {
	t.Parallel()
	logs := func(log *slog.Logger) {
		log.Info("not logged at warn")
		log.Warn("one", "k", 1)
		log.With("a", "b").WithGroup("g").Error("two", "k", 2)
	}
	var want, got bytes.Buffer
	opts := &slog.HandlerOptions{Level: slog.LevelWarn, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	logs(slog.New(slog.NewTextHandler(&want, opts)).With("watch", "w1"))
	lazy := withLazy(slog.New(slog.NewTextHandler(&got, opts)), slog.String("watch", "w1"))
	lazy.Info("not logged at warn")
	if h := lazy.Handler().(*lazyHandler); h.h != nil {
		t.Error("the handler with the attributes was made for a record not logged")
	}
	logs(lazy)
	if got.String() != want.String() {
		t.Errorf("lazy logger wrote\n%s\nwant (log.With)\n%s", got.String(), want.String())
	}
}

func TestLazyHandler_slogtest(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := &lazyHandler{parent: slog.NewJSONHandler(&buf, nil)}
	results := func() []map[string]any {
		var out []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			m := map[string]any{}
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		return out
	}
	if err := slogtest.TestHandler(h, results); err != nil {
		t.Error(err)
	}
}
