package notify

import (
	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/human"
)

// Teams Workflows ("When a Teams webhook request is received") take a
// message whose attachment is an Adaptive Card. Teams caps a message at
// about 28 KB; reports show the webhook measuring text as UTF-16 (two bytes
// a character), so pollhook keeps the whole body under 14,000 UTF-16 code
// units (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook:
// "The message size limit is 28 KB"). The link of the card's action takes
// at most half of that.
const teamsMaxUnits = 14000

type teamsMessage struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string       `json:"contentType"`
	ContentURL  *string      `json:"contentUrl"` // always null
	Content     adaptiveCard `json:"content"`
}

type adaptiveCard struct {
	Schema  string         `json:"$schema"`
	Type    string         `json:"type"`
	Version string         `json:"version"`
	Body    []cardElement  `json:"body"`
	Actions []cardAction   `json:"actions,omitempty"`
	MSTeams *cardTeamsOpts `json:"msteams,omitempty"`
}

// cardElement is a TextBlock or a RichTextBlock.
type cardElement struct {
	Type     string     `json:"type"`
	Text     string     `json:"text,omitempty"`
	Inlines  []cardText `json:"inlines,omitempty"`
	Size     string     `json:"size,omitempty"`
	Weight   string     `json:"weight,omitempty"`
	Color    string     `json:"color,omitempty"`
	IsSubtle bool       `json:"isSubtle,omitempty"`
	Wrap     bool       `json:"wrap,omitempty"`
	Spacing  string     `json:"spacing,omitempty"`
}

// cardText is a TextRun: plain text, never read as Markdown, so a line
// starting with "- " stays a line and does not become a bullet.
type cardText struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	FontType string `json:"fontType,omitempty"`
}

type cardAction struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

type cardTeamsOpts struct {
	Width string `json:"width"`
}

// teamsColour maps a tone to an Adaptive Card text colour.
func teamsColour(t tone) string {
	switch t {
	case toneAdded, toneRecovered:
		return "Good"
	case toneRemoved, toneFailing:
		return "Attention"
	case toneTest:
		return "Accent"
	}
	return "Warning"
}

// runLine is one line of plain text as a RichTextBlock.
func runLine(text, font string) cardElement {
	return cardElement{Type: "RichTextBlock", Spacing: "None",
		Inlines: []cardText{{Type: "TextRun", Text: text, FontType: font}}}
}

func teamsPayload(_ *config.Target, _ *event.Event, c *chatText) (any, error) {
	card := adaptiveCard{
		Schema:  "http://adaptivecards.io/schemas/adaptive-card.json",
		Type:    "AdaptiveCard",
		Version: "1.4",
		Body: []cardElement{{Type: "TextBlock", Text: c.Title, Size: "Medium", Weight: "Bolder",
			Color: teamsColour(c.tone), Wrap: true}},
		MSTeams: &cardTeamsOpts{Width: "Full"},
	}
	for _, l := range c.Intro {
		card.Body = append(card.Body, runLine(l, ""))
	}
	if link := c.linkUpTo(teamsMaxUnits / 2); link != "" {
		card.Actions = []cardAction{{Type: "Action.OpenUrl", Title: "Open watch URL", URL: link}}
	}
	msg := teamsMessage{Type: "message", Attachments: []teamsAttachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
	}}}

	// Measure what the card costs without the changes, and what each line
	// adds: its text as a JSON string plus the block around it.
	msg.Attachments[0].Content = card
	skeleton, err := marshalJSON(msg)
	if err != nil {
		return nil, err
	}
	empty, err := marshalJSON(runLine("", "Monospace"))
	if err != nil {
		return nil, err
	}
	perLine := human.Len(string(empty)) + len(",")
	cost := func(l string) int {
		b, _ := marshalJSON(l) // a string always marshals
		return human.Len(string(b)) - 2 + perLine
	}
	budget := teamsMaxUnits - human.Len(string(skeleton)) - len(`,"isSubtle":true,"wrap":true`)
	f := c.fit(func(l string) string { return l }, cost, budget)
	for _, l := range f.lines {
		card.Body = append(card.Body, runLine(l, "Monospace"))
	}
	if f.more > 0 {
		card.Body = append(card.Body, cardElement{Type: "TextBlock", Text: event.MoreLine(f.more), IsSubtle: true, Wrap: true})
	}
	msg.Attachments[0].Content = card
	return msg, nil
}
