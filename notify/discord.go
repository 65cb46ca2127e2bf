package notify

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/human"
)

// Discord webhooks take embeds. Embed limits
// (https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
// title 256 characters, description 4096, 25 fields of 256 (name) and 1024
// (value), footer 2048, and 6000 for all of an embed's text together. The
// embed's url has no documented limit: it is kept to maxUndocumentedLink,
// and so is each line's link. The embed's url stays the watch URL; the
// description's masked links ([text](url), "Markdown Text 101",
// https://support.discord.com/hc/en-us/articles/210298617) link the lines.
const (
	discordMaxTitle       = 256
	discordMaxDescription = 4096
	discordMaxFooter      = 2048
	discordMaxTotal       = 6000
)

type discordField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

type discordFooter struct {
	Text string `json:"text"`
}

type discordEmbed struct {
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	URL         string         `json:"url,omitempty"`
	Color       int            `json:"color"`
	Fields      []discordField `json:"fields,omitempty"`
	Footer      *discordFooter `json:"footer,omitempty"`
	Timestamp   string         `json:"timestamp,omitempty"`
}

type discordMessage struct {
	Embeds []discordEmbed `json:"embeds"`
}

// discordRoute posts to the webhook with wait=true, so that Discord answers
// only once the message is saved, and reports a message it could not save
// as an error instead of a silent 204.
func discordRoute(t *config.Target, _ *event.Event) (*Message, error) {
	u, err := url.Parse(t.URL)
	if err != nil {
		// The URL carries the webhook token: do not repeat it.
		return nil, errors.New("bad discord webhook URL")
	}
	q := u.Query()
	q.Set("wait", "true")
	u.RawQuery = q.Encode()
	return &Message{Method: http.MethodPost, URL: u.String()}, nil
}

func discordPayload(_ *config.Target, ev *event.Event, c *chatText) (any, error) {
	e := discordEmbed{
		Title:     human.Cut(c.Title, discordMaxTitle),
		URL:       c.linkUpTo(maxUndocumentedLink),
		Color:     c.tone.colour(),
		Footer:    &discordFooter{Text: human.Cut("pollhook · "+c.Watch, discordMaxFooter)},
		Timestamp: ev.Timestamp.UTC().Format(time.RFC3339),
	}
	if counts := ev.Data.Counts; counts != nil && (ev.Type == event.TypeChanged || ev.Type == event.TypeTest) {
		for _, f := range []struct {
			name string
			n    int
		}{{"Added", counts.Added}, {"Removed", counts.Removed}, {"Changed", counts.Changed}} {
			if f.n > 0 {
				e.Fields = append(e.Fields, discordField{Name: f.name, Value: strconv.Itoa(f.n), Inline: true})
			}
		}
	}
	if ev.Type == event.TypeFailing && ev.Data.Failures > 0 {
		e.Fields = append(e.Fields, discordField{Name: "Failed polls", Value: strconv.Itoa(ev.Data.Failures), Inline: true})
	}

	used := human.Len(e.Title) + human.Len(e.Footer.Text)
	for _, f := range e.Fields {
		used += human.Len(f.Name) + human.Len(f.Value)
	}
	intro := escapedIntro(c, event.EscapeMarkdown)
	budget := min(discordMaxDescription, discordMaxTotal-used) -
		human.Len(intro) - len("\n\n```diff\n\n```\n\n**")
	// Unlinked lines go in a diff code block, which Discord colours by
	// their leading + and -; inside it only ``` needs guarding.
	changes, more := c.markdownChanges("diff", budget)
	e.Description = joinParts(intro, changes, moreItalic(more))
	return discordMessage{Embeds: []discordEmbed{e}}, nil
}
