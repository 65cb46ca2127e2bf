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
//
// Each change line links its element by its text run's selectAction, an
// Action.OpenUrl (TextRun, Adaptive Cards 1.2:
// https://learn.microsoft.com/adaptive-cards/schema-explorer/text-run),
// and the card's action keeps the watch URL. Teams clients have rendered
// such runs unevenly (github.com/microsoft/AdaptiveCards issues 5804 and
// 9100: not clickable, or not shown as links, in some versions); a run
// keeps its text either way, so a line reads the same linked or not. The
// lines' links take at most half of the room left for the lines.
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
	Type         string       `json:"type"`
	Text         string       `json:"text"`
	FontType     string       `json:"fontType,omitempty"`
	SelectAction *cardOpenURL `json:"selectAction,omitempty"`
}

// cardOpenURL is an Action.OpenUrl as a select action: what a text run
// opens when it is clicked.
type cardOpenURL struct {
	Type string `json:"type"`
	URL  string `json:"url"`
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

// runLinked is a change line as a RichTextBlock whose run opens link, or
// a plain one when link is "".
func runLinked(text, link string) cardElement {
	e := runLine(text, "Monospace")
	if link != "" {
		e.Inlines[0].SelectAction = &cardOpenURL{Type: "Action.OpenUrl", URL: link}
	}
	return e
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
		title := "Open watch URL"
		if c.Home != "" && link == linkTarget(c.Home) {
			title = "Open page" // a split watch's element
		}
		card.Actions = []cardAction{{Type: "Action.OpenUrl", Title: title, URL: link}}
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
	action, err := marshalJSON(cardOpenURL{Type: "Action.OpenUrl"})
	if err != nil {
		return nil, err
	}
	perLine := human.Len(string(empty)) + len(",")
	// A link adds ,"selectAction":{…} with the target, which linkTarget
	// made ASCII: one UTF-16 unit a byte, and nothing for JSON to escape.
	perLink := len(`,"selectAction":`) + len(action)
	cost := func(l, link string) int {
		b, _ := marshalJSON(l) // a string always marshals
		w := human.Len(string(b)) - 2 + perLine
		if link != "" {
			w += perLink + len(link)
		}
		return w
	}
	budget := teamsMaxUnits - human.Len(string(skeleton)) - len(`,"isSubtle":true,"wrap":true`)
	room := linkRoom{lines: len(c.Changes), bytes: budget / 2}
	f := c.fitLinked(func(l, _ string) string { return l }, cost, budget, room)
	for i, l := range f.lines {
		card.Body = append(card.Body, runLinked(l, f.links[i]))
	}
	if f.more > 0 {
		card.Body = append(card.Body, cardElement{Type: "TextBlock", Text: event.MoreLine(f.more), IsSubtle: true, Wrap: true})
	}
	msg.Attachments[0].Content = card
	return msg, nil
}
