package notify

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
)

// Matrix: PUT an m.room.message event with a plain body and an
// org.matrix.custom.html formatted_body. An event may be 65,536 bytes with
// its envelope (https://spec.matrix.org/latest/client-server-api/#size-limits);
// pollhook keeps the content under 60,000, and the link, in both bodies,
// takes at most half of that.
//
// In formatted_body each change line links its element: <a href> is among
// the tags the spec suggests clients permit, with http and https among its
// schemes (https://spec.matrix.org/latest/client-server-api/#mroommessage-msgtypes).
// The plain body, for clients without HTML, keeps the lines and the watch
// URL as they were. The lines' links take at most half of the room left
// for the lines.
const matrixMaxBytes = 60000

type matrixMessage struct {
	MsgType       string `json:"msgtype"`
	Body          string `json:"body"`
	Format        string `json:"format"`
	FormattedBody string `json:"formatted_body"`
}

// matrixRoute PUTs to the room's send endpoint with the event id as the
// transaction id: a homeserver that still remembers it answers a retry
// with the event it already created. Homeservers remember transaction ids
// in memory for 30-60 minutes (Synapse, Dendrite), so a retry after a
// restart of the homeserver, or hours later, posts again: at least once,
// as for every target.
func matrixRoute(t *config.Target, ev *event.Event) (*Message, error) {
	if ev.ID == "" {
		return nil, errors.New("matrix: the event has no id to use as transaction id")
	}
	u := strings.TrimRight(t.Homeserver, "/") + "/_matrix/client/v3/rooms/" + url.PathEscape(t.Room) +
		"/send/m.room.message/" + url.PathEscape(ev.ID)
	h := http.Header{}
	h.Set("Authorization", "Bearer "+t.Token)
	return &Message{Method: http.MethodPut, URL: u, Header: h}, nil
}

func matrixPayload(_ *config.Target, _ *event.Event, c *chatText) (any, error) {
	plain := append([]string{c.Title}, c.Intro...)
	rich := []string{"<strong>" + escapeHTML(c.Title) + "</strong>"}
	for _, l := range c.Intro {
		rich = append(rich, escapeHTML(l))
	}
	plainLink, richLink := c.urlText, escapeHTML(c.urlText)
	if c.link != "" && len(c.link)+len(escapeAttr(c.link)) <= matrixMaxBytes/2 {
		plainLink, richLink = c.link, anchorHTML(c.link, richLink)
	}
	msg := matrixMessage{MsgType: "m.notice", Format: "org.matrix.custom.html"}
	build := func(lines, links []string, more int) {
		p := append(append([]string(nil), plain...), lines...)
		r := append([]string(nil), rich...)
		for i, l := range lines {
			r = append(r, htmlLine(l, links[i]))
		}
		if more > 0 {
			p = append(p, event.MoreLine(more))
			r = append(r, "<em>"+event.MoreLine(more)+"</em>")
		}
		if plainLink != "" {
			p = append(p, "", plainLink)
			r = append(r, richLink)
		}
		msg.Body = strings.Join(p, "\n")
		msg.FormattedBody = strings.Join(r, "<br/>")
	}

	build(nil, nil, 0)
	skeleton, err := marshalJSON(msg)
	if err != nil {
		return nil, err
	}
	// A line is in both bodies: plain with a \n (two bytes in JSON), and
	// escaped, with its link, and a <br/>.
	cost := func(l, link string) int {
		return jsonLen(l) + len(`\n`) + jsonLen(htmlLine(l, link)) + len("<br/>")
	}
	budget := matrixMaxBytes - len(skeleton) - len("<em></em>")
	room := linkRoom{lines: len(c.Changes), bytes: budget / 2}
	f := c.fitLinked(func(l, _ string) string { return l }, cost, budget, room)
	build(f.lines, f.links, f.more)
	return msg, nil
}
