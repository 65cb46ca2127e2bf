package notify

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
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
		{"huge labels", labeled(func(ev *event.Event) {
			huge := strings.Repeat("lä<b>&\"🎉`*_ ", 10000) + controls // 180 KB
			for i := range ev.Data.Changes {
				ev.Data.Changes[i].Label = huge
			}
		})},
		{"labels and links with control characters", labeled(func(ev *event.Event) {
			for i := range ev.Data.Changes {
				ev.Data.Changes[i].Label = controls
				ev.Data.Changes[i].Link = "https://github.com/" + controls
			}
		})},
		{"labels with markup and links of their own", labeled(func(ev *event.Event) {
			evil := []string{"a|b>c]d<e[f", "<https://evil.example/|click>", "[x](https://evil.example/) [↗](<https://evil.example/>)",
				`<a href="https://evil.example/">x</a>`, "`code` *b* _i_ ~s~ ||spoiler|| @here <!channel>"}
			for i := range ev.Data.Changes {
				ev.Data.Changes[i].Label = evil[i%len(evil)]
				ev.Data.Changes[i].New = json.RawMessage(`"https://evil.example/?q=<script>"`)
			}
		})},
		{"javascript: and other links", labeled(func(ev *event.Event) {
			bad := []string{"javascript:alert(document.cookie)", "JavaScript:alert(1)",
				"data:text/html,<script>alert(1)</script>", " https://example.com/leading-space", "vbscript:msgbox(1)"}
			for i := range ev.Data.Changes {
				ev.Data.Changes[i].Link = bad[i%len(bad)]
			}
		})},
		{"links with quotes and markup", labeled(func(ev *event.Event) {
			for i := range ev.Data.Changes {
				ev.Data.Changes[i].Link = `https://example.com/a"><script>alert(1)</script>|x>` + "`*_)](<&b=<1>"
			}
		})},
		{"100,000-byte links", labeled(func(ev *event.Event) {
			for i := range ev.Data.Changes {
				ev.Data.Changes[i].Link = longURL(100000)
			}
		})},
		{"10,000 linked changes", linkedHugeEvent(10000, 10000, 0)},
		{"10,000 changes with 7,000-byte links", linkedHugeEvent(10000, 10000, 7000)},
		{"10,000 changes with 2,000-byte links", linkedHugeEvent(10000, 10000, 2000)},
		{"everything at once, labeled", labeled(func(ev *event.Event) {
			*ev = *linkedHugeEvent(10000, 25000, 3000)
			ev.Data.Watch = name + controls
			ev.Data.URL = longURL(100000) + controls
			for i := range ev.Data.Changes {
				ev.Data.Changes[i].Label += strings.Repeat("<&>🎉", 100) + controls
			}
		})},
	}
}

// labeled is the labeled golden event, changed by mod.
func labeled(mod func(ev *event.Event)) *event.Event {
	ev := goldenLabeledEvent()
	mod(ev)
	return ev
}

// linkedHugeEvent is hugeEvent with a label and a link on every change:
// each its own short link, or when linkLen is positive one link of
// linkLen bytes for all (shared, so that the event stays small beside the
// heap test).
func linkedHugeEvent(n, counted, linkLen int) *event.Event {
	ev := hugeEvent(n, counted)
	long := longURL(max(linkLen, 40))
	for i := range ev.Data.Changes {
		c := &ev.Data.Changes[i]
		c.Label = fmt.Sprintf("Ünïcödé <release> & \"%d\" 🎉", i)
		c.Link = fmt.Sprintf("https://example.com/releases/v%d.0-ß?a=1&b=<%d>", i, i)
		if linkLen > 0 {
			c.Link = long
		}
	}
	return ev
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
				got := shown(t, target, h.ev)
				if !strings.Contains(got.text, string([]rune(h.ev.Data.Watch)[:3])) {
					t.Errorf("the message does not name the watch:\n%s", human.Cut(got.text, 500))
				}
				checkLinks(t, h.ev, got)
				if h.ev.Type == event.TypeChanged && len(got.changes) == 0 && got.more == 0 {
					t.Errorf("the message shows no change and no \"…and N more\":\n%s", human.Cut(got.text, 500))
				}
			})
		}
	}
}

// checkLinks fails when a message links anything but the watch URL or the
// link of one of its changes, whole, or when a line links anything but
// its own element.
func checkLinks(t *testing.T, ev *event.Event, got shownText) {
	t.Helper()
	text := ev.Text()
	ok := func(l string) bool {
		if sameURL(l, ev.Data.URL) {
			return true
		}
		for _, c := range text.Links {
			if c != "" && sameURL(l, c) {
				return true
			}
		}
		return false
	}
	for _, l := range got.links {
		if lower := strings.ToLower(l); !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
			t.Errorf("link %q is not an http or https URL", human.Cut(l, 100))
		}
		if !ok(l) {
			t.Errorf("link %q is neither the watch URL %q nor an element's link", human.Cut(l, 100), human.Cut(ev.Data.URL, 100))
		}
	}
	// A line's link is that of its element: of a change shown by that line.
	own := map[string][]string{}
	for i, l := range text.Changes {
		own[l] = append(own[l], text.Links[i])
	}
	for _, ll := range got.linked {
		links, shown := own[ll.line]
		if !shown {
			t.Errorf("linked line %q is no change line of the event", human.Cut(ll.line, 100))
			continue
		}
		if !slices.ContainsFunc(links, func(l string) bool { return l != "" && sameURL(ll.href, l) }) {
			t.Errorf("line %q links %q, not its element's link", human.Cut(ll.line, 100), human.Cut(ll.href, 100))
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
				got := shown(t, target, ev)
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

// linkPerLine are the kinds that link each change line to its element; the
// others link one thing, the first element's link.
var linkPerLine = []string{config.KindSlack, config.KindMattermost, config.KindDiscord, config.KindTeams,
	config.KindGoogleChat, config.KindTelegram, config.KindMatrix}

// TestRender_elementLinks: with element links, the kinds that can link a
// line link each change line to its element, and keep the watch URL's
// link; the others link the first element instead of the watch URL.
func TestRender_elementLinks(t *testing.T) {
	t.Parallel()
	ev := goldenLabeledEvent()
	text := ev.Text()
	for _, target := range testTargets() {
		t.Run(target.Kind, func(t *testing.T) {
			got := shown(t, target, ev)
			checkLinks(t, ev, got)
			if !slices.Contains(linkPerLine, target.Kind) {
				if len(got.linked) > 0 {
					t.Errorf("linked lines %q in a kind with one link", got.linked)
				}
				for _, l := range got.links {
					if l != text.Link() {
						t.Errorf("link %q, want only the first element's %q", l, text.Link())
					}
				}
				if len(got.links) == 0 {
					t.Errorf("no link, want the first element's %q", text.Link())
				}
				if !strings.Contains(got.text, text.Link()) && target.Kind != "discord" {
					t.Errorf("the link's text is not the element's URL:\n%s", got.text)
				}
				return
			}
			var want []linkedLine
			for i, l := range text.Changes {
				if text.Links[i] != "" {
					want = append(want, linkedLine{l, text.Links[i]})
				}
			}
			if !slices.Equal(got.linked, want) {
				t.Errorf("linked lines\n%q\nwant\n%q", got.linked, want)
			}
			if len(got.changes) != len(text.Changes) {
				t.Errorf("%d change lines, want %d", len(got.changes), len(text.Changes))
			}
			if !slices.Contains(got.links, ev.Data.URL) {
				t.Errorf("the watch URL is no longer linked: %q", got.links)
			}
		})
	}
}

// TestRender_manyLinkedLines: the kinds that link lines keep linking them
// while the links fit their share of the message, and never leave a line
// out for its link: a line whose link does not fit is shown unlinked. So a
// message whose lines are linked shows at least half as many lines as the
// same message unlinked (the links take at most half of the room).
func TestRender_manyLinkedLines(t *testing.T) {
	t.Parallel()
	for _, linkLen := range []int{0, 2000, 7000} {
		ev := linkedHugeEvent(300, 300, linkLen)
		plain := linkedHugeEvent(300, 300, linkLen)
		for i := range plain.Data.Changes {
			plain.Data.Changes[i].Link = ""
		}
		for _, target := range testTargets() {
			if !slices.Contains(linkPerLine, target.Kind) {
				continue
			}
			t.Run(fmt.Sprintf("%d/%s", linkLen, target.Kind), func(t *testing.T) {
				got := shown(t, target, ev)
				checkLinks(t, ev, got)
				// A 2,000-byte link with its ampersands escaped is over a
				// Slack text object, and over half of Discord's
				// description: those show such lines unlinked.
				wantLinked := linkLen == 0 ||
					linkLen == 2000 && target.Kind != config.KindSlack && target.Kind != config.KindDiscord
				if len(got.linked) == 0 && wantLinked {
					t.Error("no line is linked")
				}
				unlinked := shown(t, target, plain)
				if 2*len(got.changes) < len(unlinked.changes)-2 {
					t.Errorf("%d lines linked, %d unlinked", len(got.changes), len(unlinked.changes))
				}
				for i, ll := range got.linked {
					if i > 0 && got.linked[i-1].line == ll.line {
						t.Errorf("line %q twice", ll.line)
					}
				}
			})
		}
	}
}
