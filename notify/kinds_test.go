package notify

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"html"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/human"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// Secrets of the test targets; none may appear in a golden file.
const (
	testTelegramToken = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
	testMatrixToken   = "syt_cG9sbGhvb2s_SECRETsecret_0a1b2c"
	testGotifyToken   = "AhGotifyAppSecret"
	testNtfyToken     = "tk_ntfysecretntfysecret00000"
	testSlackSecret   = "XXXXslackSECRETxxxxXXXX"
	testDiscordSecret = "discordSECRET-token_abcdef"
	testMMSecret      = "mattermostsecretkey4242"
	testTeamsSig      = "TEAMSsigSECRETvalue"
	testGChatKey      = "AIzaGCHATkeySECRET"
	testGChatToken    = "GCHATtokenSECRET"
)

// testTargets returns one target of each chat kind.
func testTargets() []*config.Target {
	return []*config.Target{
		{Name: "slack", Kind: config.KindSlack,
			URL: "https://hooks.slack.com/services/T0000/B0000/" + testSlackSecret},
		{Name: "mattermost", Kind: config.KindMattermost,
			URL:     "https://mattermost.example.com/hooks/" + testMMSecret,
			Channel: "releases", Username: "pollhook", IconURL: "https://example.com/pollhook.png"},
		{Name: "discord", Kind: config.KindDiscord,
			URL: "https://discord.com/api/webhooks/123456789012345678/" + testDiscordSecret + "?thread_id=42"},
		{Name: "teams", Kind: config.KindTeams,
			URL: "https://prod-00.westeurope.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/invoke" +
				"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + testTeamsSig},
		{Name: "googlechat", Kind: config.KindGoogleChat,
			URL: "https://chat.googleapis.com/v1/spaces/AAAAxyz/messages?key=" + testGChatKey + "&token=" + testGChatToken},
		{Name: "telegram", Kind: config.KindTelegram, URL: config.DefaultTelegramURL,
			Token: testTelegramToken, ChatID: "-1001234567890"},
		{Name: "ntfy", Kind: config.KindNtfy, URL: "https://ntfy.sh", Topic: "pollhook-releases",
			Priority: 4, Tags: []string{"package"}, Token: testNtfyToken},
		{Name: "matrix", Kind: config.KindMatrix, Homeserver: "https://matrix.example.org",
			Room: "!abc123:example.org", Token: testMatrixToken},
		{Name: "gotify", Kind: config.KindGotify, URL: "https://gotify.example.com/", Token: testGotifyToken, Priority: 5},
	}
}

var testSecrets = []string{testTelegramToken, testMatrixToken, testGotifyToken, testNtfyToken, testSlackSecret,
	testDiscordSecret, testMMSecret, testTeamsSig, testGChatKey, testGChatToken}

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// goldenEvent is the sample event as a real change event, with a fixed id.
func goldenEvent() *event.Event {
	ev := event.Sample("releases", "https://api.example.com/repos/acme/app/releases", testNow)
	ev.ID = "msg_01JNE3Q4Z8N5V7W9Y1A3C5E7G9"
	ev.Type = event.TypeChanged
	return ev
}

// goldenLabeledEvent is a GitHub releases event of a watch with key = "id",
// label = "tag_name" and link = "html_url": its changes name their
// releases by tag and link to their pages. Its last change has a label but
// no link.
func goldenLabeledEvent() *event.Event {
	const releases = "https://github.com/github/hub/releases/tag/"
	ev := goldenEvent()
	ev.Data.URL = "https://api.github.com/repos/github/hub/releases?per_page=100"
	ev.Data.Changes = []diff.Change{
		{Op: diff.Added, Path: `#(id==20500000)`, Key: "20500000", Label: "v2.13.0", Link: releases + "v2.13.0",
			New: json.RawMessage(`{"id":20500000,"tag_name":"v2.13.0","name":"hub 2.13.0: faster & <safer>","html_url":"` + releases + `v2.13.0"}`)},
		{Op: diff.Changed, Path: `#(id==20157427).name`, Key: "20157427", Label: "v2.12.6", Link: releases + "v2.12.6",
			Old: json.RawMessage(`"hub 2.12.6"`), New: json.RawMessage(`"hub 2.12.6 (edited)"`)},
		{Op: diff.Changed, Path: `#(id==20157427).prerelease`, Key: "20157427", Label: "v2.12.6", Link: releases + "v2.12.6",
			Old: json.RawMessage(`true`), New: json.RawMessage(`false`)},
		{Op: diff.Changed, Path: `#(id==19988012).body`, Key: "19988012", Label: "v2.12.1", Link: releases + "v2.12.1",
			Old: json.RawMessage(`"Fixes"`), New: json.RawMessage(`"Fixes & more"`)},
		{Op: diff.Removed, Path: `#(id==19000000)`, Key: "19000000", Label: "v2.11.0",
			Old: json.RawMessage(`{"id":19000000,"tag_name":"v2.11.0","name":"hub 2.11.0"}`)},
	}
	ev.Data.Counts = &diff.Counts{Added: 1, Removed: 1, Changed: 3}
	return ev
}

// goldenSplitEvent is an event of a split watch like goldenLabeledEvent's
// watch: the release added, alone in its event.
func goldenSplitEvent() *event.Event {
	ev := goldenLabeledEvent()
	ev.Data.Changes = ev.Data.Changes[:1]
	ev.Data.Key, ev.Data.Label, ev.Data.Link = ev.Data.Changes[0].Key, ev.Data.Changes[0].Label, ev.Data.Changes[0].Link
	ev.Data.Counts = &diff.Counts{Added: 1}
	return ev
}

// goldenEvents are the events of the golden files: kind.json,
// kind-labeled.json and kind-split.json.
var goldenEvents = []struct {
	suffix string
	ev     func() *event.Event
}{{"", goldenEvent}, {"-labeled", goldenLabeledEvent}, {"-split", goldenSplitEvent}}

// goldenRequest is a rendered request as the golden files show it.
type goldenRequest struct {
	Method string            `json:"method"`
	URL    string            `json:"url"`
	Header map[string]string `json:"header"`
	Body   json.RawMessage   `json:"body"`
}

func TestRender_golden(t *testing.T) {
	t.Parallel()
	for _, golden := range goldenEvents {
		for _, target := range testTargets() {
			t.Run(target.Kind+golden.suffix, func(t *testing.T) {
				renderGolden(t, target, golden.ev(), target.Kind+golden.suffix+".json")
			})
		}
	}
}

// renderGolden renders ev for target and compares the request with the
// golden file name (or writes it, with -update).
func renderGolden(t *testing.T, target *config.Target, ev *event.Event, name string) {
	t.Helper()
	m, err := Render(target, ev, testNow, "test")
	if err != nil {
		t.Fatal(err)
	}
	inspectBody(t, target.Kind, m.Body)

	g := goldenRequest{Method: m.Method, URL: RedactURL(target, m.URL), Header: map[string]string{}}
	for k := range m.Header {
		switch k {
		case "Webhook-Timestamp", "Webhook-Signature": // change with the time of sending
			continue
		}
		g.Header[k] = Redact(target, m.Header.Get(k))
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, m.Body, "  ", "  "); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, m.Body)
	}
	g.Body = pretty.Bytes()
	got, err := marshalIndent(g)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range testSecrets {
		if bytes.Contains(got, []byte(s)) {
			t.Errorf("golden output contains the secret %q", s)
		}
	}

	path := filepath.Join("testdata", "golden", name)
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the rendered request (run go test -update after checking):\n%s", path, got)
	}
}

func marshalIndent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return buf.Bytes(), err
}

func TestRender_routes(t *testing.T) {
	t.Parallel()
	ev := goldenEvent()
	tests := []struct {
		kind       string
		wantMethod string
		wantURL    string
		wantHeader map[string]string
	}{
		{config.KindSlack, http.MethodPost, "https://hooks.slack.com/services/T0000/B0000/" + testSlackSecret, nil},
		{config.KindDiscord, http.MethodPost,
			"https://discord.com/api/webhooks/123456789012345678/" + testDiscordSecret + "?thread_id=42&wait=true", nil},
		{config.KindTelegram, http.MethodPost, "https://api.telegram.org/bot" + testTelegramToken + "/sendMessage", nil},
		{config.KindNtfy, http.MethodPost, "https://ntfy.sh",
			map[string]string{"Authorization": "Bearer " + testNtfyToken}},
		{config.KindMatrix, http.MethodPut,
			"https://matrix.example.org/_matrix/client/v3/rooms/%21abc123:example.org/send/m.room.message/" + ev.ID,
			map[string]string{"Authorization": "Bearer " + testMatrixToken}},
		{config.KindGotify, http.MethodPost, "https://gotify.example.com/message",
			map[string]string{"X-Gotify-Key": testGotifyToken}},
	}
	targets := map[string]*config.Target{}
	for _, tg := range testTargets() {
		targets[tg.Kind] = tg
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			m, err := Render(targets[tt.kind], ev, testNow, "test")
			if err != nil {
				t.Fatal(err)
			}
			if m.Method != tt.wantMethod || m.URL != tt.wantURL {
				t.Errorf("got %s %s, want %s %s", m.Method, m.URL, tt.wantMethod, tt.wantURL)
			}
			for k, v := range tt.wantHeader {
				if got := m.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if strings.Contains(m.URL, "token=") {
				t.Errorf("a token went into the query: %s", m.URL)
			}
		})
	}
}

func TestRender_unknownKind(t *testing.T) {
	t.Parallel()
	_, err := Render(&config.Target{Name: "x", Kind: "pager"}, goldenEvent(), testNow, "test")
	if err == nil || !strings.Contains(err.Error(), `no renderer for kind "pager"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestRender_eventTypes(t *testing.T) {
	t.Parallel()
	since := testNow.Add(-90 * time.Minute)
	events := map[string]*event.Event{
		"failing": {ID: "msg_1", Type: event.TypeFailing, Timestamp: testNow, Data: event.Data{
			Watch: "releases", URL: "https://api.example.com/r", Failures: 3, Since: &since,
			Error: "GET https://api.example.com/r: 503 <html>&</html>"}},
		"recovered": {ID: "msg_2", Type: event.TypeRecovered, Timestamp: testNow, Data: event.Data{
			Watch: "releases", URL: "https://api.example.com/r", Since: &since}},
		"test": event.Sample("releases", "https://api.example.com/r", testNow),
	}
	for name, ev := range events {
		for _, target := range testTargets() {
			t.Run(name+"/"+target.Kind, func(t *testing.T) {
				text := shown(t, target, ev).text
				for _, want := range ev.Lines() {
					if !strings.Contains(text, want) {
						t.Errorf("message lacks %q:\n%s", want, text)
					}
				}
			})
		}
	}
}

// shownText is what a rendered body shows.
type shownText struct {
	// text is the readable text of the message (unescaped).
	text string
	// changes are its change lines, unescaped; more is N of its
	// "…and N more changes", or 0.
	changes []string
	more    int
	// links are the targets of its links, unescaped.
	links []string
	// linked are its change lines that link somewhere (the kinds that
	// link each line), with their link.
	linked []linkedLine
}

// linkedLine is a change line and the target of its link, unescaped.
type linkedLine struct{ line, href string }

// anchorRE is an HTML line that is one link.
var anchorRE = regexp.MustCompile(`^<a href="([^"]*)">(.*)</a>$`)

// linkedLines reads the linked change lines of HTML lines.
func linkedLines(lines []string) []linkedLine {
	var out []linkedLine
	for _, l := range lines {
		if m := anchorRE.FindStringSubmatch(l); m != nil {
			text := html.UnescapeString(m[2])
			if strings.HasPrefix(text, "+ ") || strings.HasPrefix(text, "- ") || strings.HasPrefix(text, "~ ") {
				out = append(out, linkedLine{line: text, href: html.UnescapeString(m[1])})
			}
		}
	}
	return out
}

// tagRE is an HTML tag.
var tagRE = regexp.MustCompile(`<[^>]*>`)

var moreRE = regexp.MustCompile(`…and (\d+) more changes?`)

// readText collects the change lines and the tail from readable text.
func readText(text string, links ...string) shownText {
	in := shownText{text: text}
	for _, l := range links {
		if l != "" {
			in.links = append(in.links, l)
		}
	}
	for _, l := range strings.Split(text, "\n") {
		l = strings.ReplaceAll(l, "\u200b", "") // fence guards
		if strings.HasPrefix(l, "+ ") || strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "~ ") {
			in.changes = append(in.changes, l)
		}
		if m := moreRE.FindStringSubmatch(l); m != nil {
			in.more, _ = strconv.Atoi(m[1])
		}
	}
	return in
}

// Limits pollhook sets itself, for every kind, where the tool documents
// none: a title (the watch name is cut to 100 characters in it), the
// watch URL shown as text, and a link target (RFC 9110 §4.1 asks that
// URIs of 8,000 octets be supported, and promises nothing longer).
const (
	ownMaxTitle   = 256
	ownMaxURLText = 300
	ownMaxLink    = 8000
)

var (
	slackLinkRE = regexp.MustCompile(`<([^|<>]*)\|([^<>]*)>`)
	hrefRE      = regexp.MustCompile(`<a href="([^"]*)">`)
	mdLinkRE    = regexp.MustCompile(`\]\(<([^>]*)>\)|^<([^>]*)>$`)
	// slackLineRE is a linked change line of a Slack section.
	slackLineRE = regexp.MustCompile(`^<([^|<>]*)\|([^<>]*)>$`)
	// mdLineRE is a linked change line of Markdown: the line, then its
	// link.
	mdLineRE = regexp.MustCompile(`^(.*) \[↗\]\(<([^<>]*)>\)$`)
)

// inspectBody checks a rendered body against its kind's documented schema and
// limits, and returns what it shows. Each limit names its source.
func inspectBody(t *testing.T, kind string, body []byte) shownText {
	t.Helper()
	if !utf8.Valid(body) {
		t.Fatalf("%s: body is not valid UTF-8", kind)
	}
	if !json.Valid(body) {
		t.Fatalf("%s: body is not valid JSON", kind)
	}
	checkNoControls(t, kind, body)
	decode := func(v any) {
		t.Helper()
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("%s: decode: %v", kind, err)
		}
	}
	atMost := func(what string, n, limit int) {
		t.Helper()
		if n > limit {
			t.Errorf("%s: %s is %d, over the limit of %d", kind, what, n, limit)
		}
	}
	inRange := func(what string, n, lo, hi int) {
		t.Helper()
		if n < lo {
			t.Errorf("%s: %s is %d, under the minimum of %d", kind, what, n, lo)
		}
		atMost(what, n, hi)
	}
	links := func(what string, ls []string, limit int) {
		t.Helper()
		for _, l := range ls {
			atMost(what, len(l), limit)
		}
	}
	switch kind {
	case config.KindSlack:
		// https://docs.slack.dev/reference/block-kit/blocks (50 blocks a
		// message), .../blocks/header-block (150), .../blocks/context-block
		// (10 elements), .../composition-objects/text-object (1-3000
		// characters); chat.postMessage truncates text over 40,000.
		var m slackMessage
		decode(&m)
		atMost("block count", len(m.Blocks), 50)
		if m.Text == "" || len(m.Blocks) == 0 || m.Blocks[0].Type != "header" {
			t.Fatalf("slack: want text and a header block first: %s", body)
		}
		atMost("text", human.Len(m.Text), 40000)
		atMost("text (a title)", human.Len(html.UnescapeString(m.Text)), ownMaxTitle)
		var text, hrefs []string
		var linked []linkedLine
		object := func(what string, o *slackText) {
			t.Helper()
			inRange(what+" text", human.Len(o.Text), 1, 3000)
			if o.Type == "mrkdwn" {
				checkSlackEscapes(t, o.Text)
				for _, l := range slackLinkRE.FindAllStringSubmatch(o.Text, -1) {
					hrefs = append(hrefs, html.UnescapeString(l[1]))
				}
			}
		}
		for _, b := range m.Blocks {
			switch b.Type {
			case "header":
				object("header", b.Text)
				inRange("header text", human.Len(b.Text.Text), 1, 150)
				text = append(text, b.Text.Text)
			case "section":
				object("section", b.Text)
				text = append(text, html.UnescapeString(slackLinkRE.ReplaceAllString(b.Text.Text, "$2")))
				for _, l := range strings.Split(b.Text.Text, "\n") {
					if m := slackLineRE.FindStringSubmatch(l); m != nil {
						if !b.Text.Verbatim {
							t.Errorf("slack: linked lines in a section that is not verbatim: %q", human.Cut(b.Text.Text, 200))
						}
						linked = append(linked, linkedLine{
							line: strings.ReplaceAll(html.UnescapeString(m[2]), "\u200b", ""), href: html.UnescapeString(m[1])})
					}
				}
			case "context":
				inRange("context elements", len(b.Elements), 1, 10)
				for _, e := range b.Elements {
					object("context element", &e)
					text = append(text, html.UnescapeString(slackLinkRE.ReplaceAllString(e.Text, "$2")))
				}
			default:
				t.Errorf("slack: unexpected block %q", b.Type)
			}
		}
		links("link target", hrefs, ownMaxLink)
		in := readText(strings.Join(text, "\n"), hrefs...)
		in.linked = linked
		return in
	case config.KindMattermost:
		// A post's message holds 16,383 runes, its props (the attachments)
		// 800,000 less 40,000 kept for the server (PostMessageMaxRunesV2,
		// PostPropsMaxUserRunes in mattermost/server/public/model/post.go).
		var m mattermostMessage
		decode(&m)
		if len(m.Attachments) != 1 || !regexp.MustCompile(`^#[0-9A-F]{6}$`).MatchString(m.Attachments[0].Color) {
			t.Fatalf("mattermost: want one attachment with a colour: %s", body)
		}
		a := m.Attachments[0]
		atMost("message runes", utf8.RuneCountInString(m.Text), 16383)
		atMost("message (a title)", human.Len(unescapeMarkdown(m.Text)), ownMaxTitle+4)
		props, _ := json.Marshal(m.Attachments)
		atMost("props runes", utf8.RuneCountInString(string(props)), 760000)
		atMost("attachment text", human.Len(a.Text), 16383)
		atMost("attachment fallback", human.Len(a.Fallback), ownMaxTitle)
		atMost("attachment title", human.Len(a.Title), ownMaxURLText)
		links("title_link", []string{a.TitleLink}, ownMaxLink)
		body, linked := markdownLinked(a.Text)
		hrefs := []string{a.TitleLink}
		for _, l := range linked {
			hrefs = append(hrefs, l.href)
		}
		links("line link", hrefs[1:], 2048)
		in := readText(unescapeMarkdown(m.Text)+"\n"+body+"\n"+a.Title, hrefs...)
		in.linked = linked
		return in
	case config.KindDiscord:
		// https://discord.com/developers/docs/resources/message#embed-object-embed-limits;
		// 10 embeds a message (.../resources/webhook#execute-webhook). The
		// embed url has no documented limit: pollhook keeps it to 2,048.
		var m discordMessage
		decode(&m)
		if len(m.Embeds) != 1 {
			t.Fatalf("discord: want one embed: %s", body)
		}
		atMost("embed count", len(m.Embeds), 10)
		e := m.Embeds[0]
		inRange("title", human.Len(e.Title), 1, 256)
		atMost("description", human.Len(e.Description), 4096)
		atMost("field count", len(e.Fields), 25)
		total := human.Len(e.Title) + human.Len(e.Description)
		for _, f := range e.Fields {
			inRange("field name", human.Len(f.Name), 1, 256)
			inRange("field value", human.Len(f.Value), 1, 1024)
			total += human.Len(f.Name) + human.Len(f.Value)
		}
		if e.Footer != nil {
			inRange("footer", human.Len(e.Footer.Text), 1, 2048)
			total += human.Len(e.Footer.Text)
		}
		atMost("embed total", total, 6000)
		links("url", []string{e.URL}, 2048)
		body, linked := markdownLinked(e.Description)
		hrefs := []string{e.URL}
		for _, l := range linked {
			hrefs = append(hrefs, l.href)
		}
		links("line link", hrefs[1:], 2048)
		if _, err := time.Parse(time.RFC3339, e.Timestamp); err != nil {
			t.Errorf("discord: timestamp: %v", err)
		}
		in := readText(e.Title+"\n"+body+"\n"+e.URL, hrefs...)
		in.linked = linked
		return in
	case config.KindTeams:
		// https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook:
		// "The message size limit is 28 KB"; measured as UTF-16 (two bytes
		// a character), 14,000 code units.
		atMost("body in UTF-16 code units", human.Len(string(body)), 14000)
		atMost("body bytes", len(body), 28*1024)
		var m teamsMessage
		decode(&m)
		if m.Type != "message" || len(m.Attachments) != 1 {
			t.Fatalf("teams: want a message with one attachment: %s", body)
		}
		a := m.Attachments[0]
		c := a.Content
		if a.ContentType != "application/vnd.microsoft.card.adaptive" || a.ContentURL != nil ||
			c.Type != "AdaptiveCard" || c.Version != "1.4" {
			t.Fatalf("teams: not an Adaptive Card 1.4 attachment: %s", body)
		}
		if len(c.Body) == 0 || c.Body[0].Type != "TextBlock" {
			t.Fatalf("teams: want the title first: %s", body)
		}
		inRange("title", human.Len(c.Body[0].Text), 1, ownMaxTitle)
		var text, hrefs []string
		var linked []linkedLine
		for _, el := range c.Body {
			switch el.Type {
			case "TextBlock":
				text = append(text, el.Text)
			case "RichTextBlock":
				for _, in := range el.Inlines {
					if in.Type != "TextRun" {
						t.Errorf("teams: inline %q", in.Type)
					}
					text = append(text, in.Text)
					// https://learn.microsoft.com/adaptive-cards/schema-explorer/text-run:
					// selectAction (1.2) is any action but Action.ShowCard.
					if a := in.SelectAction; a != nil {
						if a.Type != "Action.OpenUrl" || a.URL == "" {
							t.Errorf("teams: select action %+v", a)
						}
						hrefs = append(hrefs, a.URL)
						linked = append(linked, linkedLine{line: in.Text, href: a.URL})
					}
				}
			default:
				t.Errorf("teams: element %q", el.Type)
			}
		}
		for _, act := range c.Actions {
			if act.Type != "Action.OpenUrl" || act.URL == "" {
				t.Errorf("teams: action %+v", act)
			}
			text = append(text, act.URL)
			hrefs = append(hrefs, act.URL)
		}
		links("action url", hrefs, ownMaxLink)
		in := readText(strings.Join(text, "\n"), hrefs...)
		in.linked = linked
		return in
	case config.KindGoogleChat:
		// https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages/create:
		// "The maximum message size, including the message contents, is
		// 32,000 bytes"; 100 widgets a card (cards reference).
		atMost("message bytes", len(body), 32000)
		var m googleChatMessage
		decode(&m)
		if m.Text == "" || len(m.CardsV2) != 1 || m.CardsV2[0].Card.Header.Title == "" {
			t.Fatalf("googlechat: want text and one card with a header: %s", body)
		}
		card := m.CardsV2[0]
		atMost("text (a title)", human.Len(m.Text), ownMaxTitle)
		atMost("header title", human.Len(card.Card.Header.Title), ownMaxTitle)
		atMost("header subtitle", human.Len(card.Card.Header.Subtitle), ownMaxURLText)
		atMost("card id", human.Len(card.CardID), ownMaxTitle)
		text := []string{card.Card.Header.Title, card.Card.Header.Subtitle}
		var hrefs []string
		var linked []linkedLine
		widgets := 0
		for _, s := range card.Card.Sections {
			widgets += len(s.Widgets)
			for _, w := range s.Widgets {
				if w.TextParagraph != nil {
					p := w.TextParagraph.Text
					checkHTML(t, strings.ReplaceAll(p, "<br>", "<br/>"), "i", "br", "a")
					text = append(text, html.UnescapeString(tagRE.ReplaceAllString(strings.ReplaceAll(p, "<br>", "\n"), "")))
					linked = append(linked, linkedLines(strings.Split(p, "<br>"))...)
					for _, h := range hrefRE.FindAllStringSubmatch(p, -1) {
						hrefs = append(hrefs, html.UnescapeString(h[1]))
					}
				}
				if w.ButtonList != nil {
					for _, b := range w.ButtonList.Buttons {
						text = append(text, b.OnClick.OpenLink.URL)
						hrefs = append(hrefs, b.OnClick.OpenLink.URL)
					}
				}
			}
		}
		atMost("widgets", widgets, 100)
		links("button url and link", hrefs, ownMaxLink)
		in := readText(strings.Join(text, "\n"), hrefs...)
		in.linked = linked
		return in
	case config.KindTelegram:
		// https://core.telegram.org/bots/api#sendmessage: text of 1-4096
		// characters after entity parsing. A link's URL has no documented
		// limit: pollhook keeps it to 2,048.
		var m telegramMessage
		decode(&m)
		if m.ParseMode != "HTML" || m.ChatID == "" || !m.LinkPreviewOptions.IsDisabled {
			t.Fatalf("telegram: %s", body)
		}
		visible := checkHTML(t, m.Text, "b", "i", "a")
		inRange("text after entity parsing", human.Len(visible), 1, 4096)
		title, _, _ := strings.Cut(visible, "\n")
		atMost("title", human.Len(title), ownMaxTitle)
		var hrefs []string
		hrefBytes := 0
		for _, h := range hrefRE.FindAllStringSubmatch(m.Text, -1) {
			hrefs = append(hrefs, html.UnescapeString(h[1]))
			hrefBytes += len(hrefs[len(hrefs)-1])
		}
		links("link", hrefs, 2048)
		// Undocumented, as reported by Telegram's developers: entities
		// past the 100th of a message are ignored
		// (tdlib/telegram-bot-api#820), and a message whose text and
		// entities together pass about 9,500 characters is refused with
		// ENTITIES_TOO_LONG (tdlib/telegram-bot-api#165).
		atMost("entities", len(tagRE.FindAllString(m.Text, -1))/2, 100)
		atMost("text and link targets", human.Len(visible)+hrefBytes, 9500)
		in := readText(visible, hrefs...)
		in.linked = linkedLines(strings.Split(m.Text, "\n"))
		return in
	case config.KindNtfy:
		// https://docs.ntfy.sh/publish/#limitations: messages over 4,096
		// bytes become attachments; ntfy reads a JSON publish body with
		// twice that limit (transformBodyJSON in server/server.go) and
		// answers 413 past it.
		atMost("body bytes", len(body), 8192)
		var m ntfyMessage
		decode(&m)
		atMost("message bytes", len(m.Message), 4096)
		if m.Topic == "" || m.Title == "" {
			t.Fatalf("ntfy: want topic and title: %s", body)
		}
		atMost("title", human.Len(m.Title), ownMaxTitle)
		links("click", []string{m.Click}, ownMaxLink)
		return readText(m.Title+"\n"+m.Message, m.Click)
	case config.KindMatrix:
		// https://spec.matrix.org/latest/client-server-api/#size-limits: an
		// event may be 65,536 bytes with its envelope; pollhook keeps the
		// content to 60,000.
		atMost("content bytes", len(body), 60000)
		var m matrixMessage
		decode(&m)
		if m.MsgType != "m.notice" || m.Format != "org.matrix.custom.html" {
			t.Fatalf("matrix: %s", body)
		}
		checkHTML(t, m.FormattedBody, "strong", "em", "a", "br")
		title, _, _ := strings.Cut(m.Body, "\n")
		atMost("title", human.Len(title), ownMaxTitle)
		var hrefs []string
		for _, h := range hrefRE.FindAllStringSubmatch(m.FormattedBody, -1) {
			hrefs = append(hrefs, html.UnescapeString(h[1]))
		}
		links("link", hrefs, ownMaxLink)
		plain := readText(m.Body, hrefs...)
		plain.linked = linkedLines(strings.Split(m.FormattedBody, "<br/>"))
		rich := readText(html.UnescapeString(tagRE.ReplaceAllString(strings.ReplaceAll(m.FormattedBody, "<br/>", "\n"), "")))
		if len(rich.changes) != len(plain.changes) || rich.more != plain.more {
			t.Errorf("matrix: body shows %d changes and %d more, formatted_body %d and %d",
				len(plain.changes), plain.more, len(rich.changes), rich.more)
		}
		return plain
	case config.KindGotify:
		// Gotify documents no limits: pollhook keeps the message to 16,000
		// bytes.
		var m gotifyMessage
		decode(&m)
		atMost("message bytes", len(m.Message), 16000)
		atMost("title", human.Len(m.Title), ownMaxTitle)
		if m.Extras.Display.ContentType != "text/markdown" {
			t.Errorf("gotify: extras %+v", m.Extras)
		}
		var hrefs []string
		if n := m.Extras.Notification; n != nil {
			hrefs = append(hrefs, n.Click.URL)
		}
		inBlock := false
		for _, l := range strings.Split(m.Message, "\n") {
			if strings.HasPrefix(l, "```") {
				inBlock = !inBlock
			}
			if inBlock {
				continue // a code block links nothing
			}
			for _, h := range mdLinkRE.FindAllStringSubmatch(l, -1) {
				hrefs = append(hrefs, h[1]+h[2])
			}
		}
		links("link", hrefs, ownMaxLink)
		return readText(m.Title+"\n"+unescapeMarkdown(m.Message), hrefs...)
	}
	t.Fatalf("no inspector for kind %q", kind)
	return shownText{}
}

// checkNoControls fails when a string of the body holds a control
// character other than a line break.
func checkNoControls(t *testing.T, kind string, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			for _, r := range v {
				if r != '\n' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
					t.Errorf("%s: control character %U in %q", kind, r, human.Cut(v, 80))
					return
				}
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
}

// checkSlackEscapes fails when mrkdwn text has a bare & that does not start
// an escape, or a < or > outside a <url|text> link.
func checkSlackEscapes(t *testing.T, s string) {
	t.Helper()
	rest := slackLinkRE.ReplaceAllString(s, "$1 $2")
	rest = regexp.MustCompile(`&(amp|lt|gt);`).ReplaceAllString(rest, "")
	if strings.Contains(rest, "&") {
		t.Errorf("slack: unescaped & in %q", s)
	}
	if strings.ContainsAny(rest, "<>") {
		t.Errorf("slack: unescaped < or > in %q", s)
	}
}

// checkHTML parses an HTML fragment strictly, as XML inside a root element,
// allowing only the given tags, and returns its visible text.
func checkHTML(t *testing.T, fragment string, allowed ...string) string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader("<root>" + fragment + "</root>"))
	dec.Strict = true
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("invalid HTML: %v\n%s", err, fragment)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "root" {
				continue
			}
			ok := false
			for _, a := range allowed {
				ok = ok || tok.Name.Local == a
			}
			if !ok {
				t.Errorf("tag <%s> is not allowed", tok.Name.Local)
			}
		case xml.CharData:
			text.Write(tok)
		}
	}
	if !utf8.ValidString(text.String()) {
		t.Error("visible text is not valid UTF-8")
	}
	return text.String()
}

// unescapeMarkdown undoes event.EscapeMarkdown on the lines that are not
// change lines: those are shown in code blocks, unescaped.
// markdownLinked reads Markdown text whose change lines may be linked
// (Discord, Mattermost): the text unescaped without the lines' links, and
// the linked lines. A link is read before unescaping, so that no text that
// only looks like one counts.
func markdownLinked(s string) (string, []linkedLine) {
	var linked []linkedLine
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if m := mdLineRE.FindStringSubmatch(l); m != nil {
			lines[i] = unescapeMarkdown(m[1])
			linked = append(linked, linkedLine{line: lines[i], href: m[2]})
		}
	}
	return unescapeMarkdown(strings.Join(lines, "\n")), linked
}

func unescapeMarkdown(s string) string {
	re := regexp.MustCompile("\\\\([\\\\`*_{}\\[\\]()<>#+\\-.!|~])")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "+ ") && !strings.HasPrefix(l, "- ") && !strings.HasPrefix(l, "~ ") {
			lines[i] = re.ReplaceAllString(l, "$1")
		}
	}
	return strings.Join(lines, "\n")
}

func TestInspectors_cover_every_kind(t *testing.T) {
	t.Parallel()
	var kinds []string
	for _, tg := range testTargets() {
		kinds = append(kinds, tg.Kind)
	}
	sort.Strings(kinds)
	want := []string{config.KindDiscord, config.KindGoogleChat, config.KindGotify, config.KindMatrix,
		config.KindMattermost, config.KindNtfy, config.KindSlack, config.KindTeams, config.KindTelegram}
	sort.Strings(want)
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Errorf("test targets cover %v, want %v", kinds, want)
	}
}

// shown renders ev for target and returns what the body shows, checked by
// inspectBody.
func shown(t *testing.T, target *config.Target, ev *event.Event) shownText {
	t.Helper()
	m, err := Render(target, ev, testNow, "test")
	if err != nil {
		t.Fatal(err)
	}
	return inspectBody(t, target.Kind, m.Body)
}
