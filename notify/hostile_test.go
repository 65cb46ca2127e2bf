package notify

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/human"
)

// longURL is a watch URL of n bytes, with the characters every format
// escapes in its query.
func longURL(n int) string {
	u := "https://api.example.com/v1/search?q="
	return u + strings.Repeat("a&b=c", (n-len(u))/5+1)[:n-len(u)]
}

// controls is text full of control characters and terminal escapes.
const controls = "a\x00b\x07c\x1b[2Jd\x1b]52;c;aGk=\x07e\r\nf\tg\u2028h\x7f\u0085i"

// hostileEvents are events made of the worst input pollhook may get: each
// must render for every kind inside every limit of the kind.
func hostileEvents() []struct {
	name string
	ev   *event.Event
} {
	since := testNow.Add(-3 * time.Hour)
	failing := func(watch, u, msg string) *event.Event {
		return &event.Event{ID: "msg_01JNE3Q4Z8N5V7W9Y1A3C5E7G9", Type: event.TypeFailing, Timestamp: testNow,
			Data: event.Data{Watch: watch, URL: u, Seq: 4, Error: msg, Failures: 12, Since: &since}}
	}
	change := func(mod func(ev *event.Event)) *event.Event {
		ev := goldenEvent()
		mod(ev)
		return ev
	}
	name := strings.Repeat("wätch-<&>-", 1024) // 10 KiB
	mib := strings.Repeat("<html>&amp; \"boom\" 🎉\n", 1<<20/24)
	return []struct {
		name string
		ev   *event.Event
	}{
		{"3,500-character URL", change(func(ev *event.Event) { ev.Data.URL = longURL(3500) })},
		{"3,500-character URL, failing", failing("releases", longURL(3500), "HTTP 502")},
		{"100,000-character URL", change(func(ev *event.Event) { ev.Data.URL = longURL(100000) })},
		{"100,000-character URL, failing", failing("releases", longURL(100000), "HTTP 502")},
		{"10 KiB watch name", change(func(ev *event.Event) { ev.Data.Watch = name })},
		{"10 KiB watch name, failing", failing(name, "https://api.example.com/r", "HTTP 502")},
		{"1 MiB error", failing("releases", "https://api.example.com/r", mib)},
		{"control characters", change(func(ev *event.Event) {
			ev.Data.Watch = "rel" + controls
			ev.Data.URL = "https://api.example.com/" + controls
			ev.Data.Changes[0].Key = controls
			ev.Data.Changes[1].New, _ = json.Marshal(controls)
		})},
		{"control characters, failing", failing("rel"+controls, "https://api.example.com/"+controls, controls)},
		{"10,000 changes", hugeEvent(10000, 10000)},
		{"everything at once", change(func(ev *event.Event) {
			*ev = *hugeEvent(10000, 25000)
			ev.Data.Watch = name + controls
			ev.Data.URL = longURL(100000) + controls
		})},
		{"everything at once, failing", failing(name+controls, longURL(100000)+controls, mib+controls)},
	}
}

// TestRender_hostileInput renders the hostile events for every kind and
// checks every limit the kind's inspector knows. A link is the watch URL
// whole, or it is left out: never a cut URL that leads elsewhere.
func TestRender_hostileInput(t *testing.T) {
	t.Parallel()
	for _, h := range hostileEvents() {
		for _, target := range testTargets() {
			t.Run(h.name+"/"+target.Kind, func(t *testing.T) {
				t.Parallel()
				m, err := Render(target, h.ev, testNow, "test")
				if err != nil {
					t.Fatal(err)
				}
				got := inspectBody(t, target.Kind, m.Body)
				if !strings.Contains(got.text, string([]rune(h.ev.Data.Watch)[:3])) {
					t.Errorf("the message does not name the watch:\n%s", human.Cut(got.text, 500))
				}
				for _, l := range got.links {
					if !sameURL(l, h.ev.Data.URL) {
						t.Errorf("link %q is not the watch URL %q", human.Cut(l, 100), human.Cut(h.ev.Data.URL, 100))
					}
				}
				if h.ev.Type == event.TypeChanged && len(got.changes) == 0 && got.more == 0 {
					t.Errorf("the message shows no change and no \"…and N more\":\n%s", human.Cut(got.text, 500))
				}
			})
		}
	}
}

// sameURL reports whether a link is the URL u, percent-encoded where u
// has characters a URL cannot carry as they are.
func sameURL(link, u string) bool {
	dl, err1 := url.PathUnescape(link)
	du, err2 := url.PathUnescape(u)
	if err1 != nil || err2 != nil {
		return link == u
	}
	return dl == du
}

// TestRender_longURLLinks: a long watch URL is shown cut, and linked whole
// where the link fits: a 2,000-character URL in every kind, a 5,000
// character one in the kinds with room for it, a 100,000-character one in
// none (it is over maxLink).
func TestRender_longURLLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n          int
		unlinkedIn []string // kinds that show the URL without a link
	}{
		{2000, nil},
		{5000, []string{"slack", "discord", "telegram", "ntfy"}},
		{100000, []string{"slack", "mattermost", "discord", "teams", "googlechat", "telegram", "ntfy", "matrix", "gotify"}},
	}
	for _, tt := range tests {
		ev := goldenEvent()
		ev.Data.URL = "https://api.example.com/search?q=" + strings.Repeat("x", tt.n-33)
		for _, target := range testTargets() {
			t.Run(fmt.Sprintf("%d/%s", tt.n, target.Kind), func(t *testing.T) {
				m, err := Render(target, ev, testNow, "test")
				if err != nil {
					t.Fatal(err)
				}
				got := inspectBody(t, target.Kind, m.Body)
				linked := !slices.Contains(tt.unlinkedIn, target.Kind)
				if linked && !slices.Contains(got.links, ev.Data.URL) {
					t.Errorf("no link to the whole URL; links %q", cutAll(got.links))
				}
				if !linked && len(got.links) > 0 {
					t.Errorf("links %q, want none", cutAll(got.links))
				}
				// Discord and Teams show the URL only as a link.
				if target.Kind != "discord" && target.Kind != "teams" &&
					!strings.Contains(got.text, human.Cut(ev.Data.URL, 300)) && !strings.Contains(got.text, ev.Data.URL) {
					t.Errorf("the URL is not shown, whole or cut to 300 characters:\n%s", human.Cut(got.text, 2000))
				}
			})
		}
	}
}

func cutAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = human.Cut(s, 60)
	}
	return out
}
