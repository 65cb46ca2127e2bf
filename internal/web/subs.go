package web

import (
	"context"
	"sort"

	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/internal/redact"
	"github.com/pollhook/pollhook/store"
)

// endpointsShown bounds the endpoints the subscriptions section lists:
// the ones that need a look (not verified, disabled, failing) first.
const endpointsShown = 20

// subsView is the subscriptions section: consumer applications and their
// endpoints, counted by status.
type subsView struct {
	Apps, Endpoints                  int
	Active, Pending, Unverified, Off int
	Failing                          int
	Queued, DeadLetters              int
	Rows                             []endpointRow
	More                             int
}

type endpointRow struct {
	ID, App, URL, Status, Reason string
	Failing                      timeView
}

// subscriptions builds the section; nil when subscriptions are off.
func (p *Page) subscriptions(ctx context.Context) (*subsView, error) {
	if p.src.Config().Subscriptions == nil {
		return nil, nil
	}
	apps, eps, err := p.src.Subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := p.src.OutboxCounts(ctx)
	if err != nil {
		return nil, err
	}
	now := p.Now()
	v := &subsView{Apps: len(apps), Endpoints: len(eps)}
	var rows []endpointRow
	for _, e := range eps {
		c := counts[e.ID]
		v.Queued += c.Pending
		v.DeadLetters += c.Failed
		row := endpointRow{ID: e.ID, App: e.App, URL: redact.ShortURL(e.URL), Status: e.Status, Reason: human.OneLine(e.StatusReason, 160)}
		switch {
		case e.Disabled:
			v.Off++
			row.Status, row.Reason = "disabled", human.OneLine(e.DisabledReason, 160)
		case e.Status == store.EndpointActive:
			v.Active++
		case e.Status == store.EndpointPending:
			v.Pending++
		default:
			v.Unverified++
		}
		if !e.FailingSince.IsZero() {
			v.Failing++
			row.Failing = at(e.FailingSince, now)
		}
		if e.Disabled || e.Status != store.EndpointActive || !e.FailingSince.IsZero() {
			rows = append(rows, row)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].App < rows[j].App })
	if len(rows) > endpointsShown {
		v.More = len(rows) - endpointsShown
		rows = rows[:endpointsShown]
	}
	v.Rows = rows
	return v, nil
}
