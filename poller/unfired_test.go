package poller

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// TestPoll_NothingFiresSaysWhy: a change of which nothing fires is logged
// with the changes found and what dropped them (on, when or both), not
// with the watch's on list alone.
func TestPoll_NothingFiresSaysWhy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		extra    string
		old, new string
		want     []string
	}{
		{"when", `key = "id"` + "\nwhen = \"draft==false\"",
			`[{"id":1,"draft":true,"n":1}]`, `[{"id":1,"draft":true,"n":2},{"id":2,"draft":true}]`,
			[]string{`found=2`, `reason="when \"draft==false\" matched no change"`}},
		{"on", `key = "id"` + "\non = [\"added\"]",
			`[{"id":1,"n":1},{"id":2}]`, `[{"id":1,"n":2}]`,
			[]string{`found=2`, `reason="on [\"added\"] matched no change (found 1 removed, 1 changed)"`}},
		{"on, then when", `key = "id"` + "\non = [\"changed\", \"removed\"]\nwhen = 'price<100'",
			`[{"id":1,"price":500},{"id":2,"price":10}]`, `[{"id":1,"price":600},{"id":2,"price":10},{"id":3,"price":10}]`,
			[]string{`found=2`, `reason="on [\"changed\", \"removed\"] left 1 of 2 changes, when \"price<100\" matched none"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{}
			srv := httptest.NewServer(api)
			defer srv.Close()
			var logs testkit.SyncBuffer
			p := pollerWith(t, openStore(t), func(o *Options) {
				o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			w := newTestWatch(t, srv.URL, tt.extra)
			api.json(tt.old)
			mustPoll(t, p, w)
			api.json(tt.new)
			if out := mustPoll(t, p, w); out.Event != nil {
				t.Fatalf("an event fired: %+v", out.Event.Data.Changes)
			}
			var line string
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "no change fires") {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no line says nothing fires:\n%s", logs.String())
			}
			for _, s := range tt.want {
				if !strings.Contains(line, s) {
					t.Errorf("log line lacks %s:\n%s", s, line)
				}
			}
			if strings.Contains(line, "watch_on") {
				t.Errorf("log line still says watch_on:\n%s", line)
			}
		})
	}
}
