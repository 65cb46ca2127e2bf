package poller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/internal/redact"
)

// fetched is the answer to one poll: every page, or a 304 to the first.
type fetched struct {
	pages       [][]byte
	contentType string // of the first page
	notModified bool
	// etag and lastModified are the first page's validators, when short
	// enough to keep (maxValidator).
	etag, lastModified string
	// refused: the API refused the conditional request with a 4xx, which
	// was then made again without validators; the stored ones must go.
	refused bool
	// pause is the latest time any page asked pollhook to wait until.
	pause pause
}

// fetchAll fetches a watch's pages: the first one conditionally when cond
// holds validators, then, when the watch paginates, the next ones until
// the API says there are no more, max_pages is reached, or a next page
// was already fetched (a loop). Any failed page fails the whole poll:
// there are no partial snapshots. The returned fetched is never nil: it
// carries the pause an API asked for even when the poll failed.
func (p *Poller) fetchAll(ctx context.Context, w *config.Watch, in *watchInfo, cond request) (*fetched, error) {
	res := &fetched{}
	rq := request{url: w.RequestURL, body: w.Body, etag: cond.etag, lastModified: cond.lastModified}
	seen := map[string]bool{pageKey(rq): true}
	maxPages := 1
	if w.Paginate != nil {
		maxPages = w.Paginate.MaxPages
	}
	for page := 1; ; page++ {
		resp, err := p.fetch(ctx, w, in, rq)
		if status, ok := refusedConditional(rq, err); ok && page == 1 {
			// Validators the API will not take (too large, or an API that
			// chokes on them) would fail every poll: forget them and ask
			// again, once, without.
			in.logger().Info("the API refused the conditional request: asking again without validators", "status", status)
			res.refused = true
			rq.etag, rq.lastModified = "", ""
			resp, err = p.fetch(ctx, w, in, rq)
		}
		if err != nil {
			var fe *FetchError
			if errors.As(err, &fe) {
				res.pause = later(res.pause, fe.pause)
			}
			return res, pageError(page, err)
		}
		res.pause = later(res.pause, resp.pause)
		if page == 1 {
			res.contentType = resp.contentType
			// "Etag": ETag in the canonical form Get would make anew.
			res.etag, res.lastModified = validator(resp.header.Get("Etag")), validator(resp.header.Get("Last-Modified"))
			if resp.status == http.StatusNotModified {
				// Validators go with the first page only: if it did not
				// change, the poll saw no change.
				res.notModified = true
				return res, nil
			}
		}
		if w.GraphQL != "" {
			if err := graphQLError(resp.body); err != nil {
				return res, pageError(page, err)
			}
		}
		res.pages = append(res.pages, resp.body)

		next, ok, err := nextPage(w, rq, resp)
		if err != nil {
			return res, pageError(page, err)
		}
		if !ok {
			return res, nil
		}
		if page >= maxPages {
			in.logger().Debug("more pages exist: stopped at max_pages", "max_pages", maxPages)
			return res, nil
		}
		if seen[pageKey(next)] {
			in.logger().Debug("pagination loops back to a page already fetched: stopped", "pages", page)
			return res, nil
		}
		if !res.pause.until.IsZero() {
			// The API allows no more requests now: stop rather than be
			// refused, and try the whole poll again after the pause.
			return res, fmt.Errorf("rate limit exhausted after page %d of more (no request before %s)",
				page, res.pause.until.UTC().Format(time.RFC3339))
		}
		seen[pageKey(next)] = true
		rq = next
	}
}

// refusedConditional reports whether err is a 4xx answer to a conditional
// request, and its status. An answer that asks to wait (429, a 403 with
// Retry-After) is a rate limit, not a refusal of the validators.
func refusedConditional(rq request, err error) (int, bool) {
	var fe *FetchError
	if rq.etag == "" && rq.lastModified == "" || !errors.As(err, &fe) {
		return 0, false
	}
	return fe.Status, fe.Status >= 400 && fe.Status < 500 && fe.Status != http.StatusTooManyRequests && fe.pause.until.IsZero()
}

// validator is a validator header worth keeping, or "" when it is too long.
func validator(v string) string {
	if len(v) > maxValidator {
		return ""
	}
	return v
}

// pageKey identifies a page request for loop detection.
func pageKey(rq request) string { return rq.url + "\x00" + rq.body }

func pageError(page int, err error) error {
	if page == 1 {
		return err
	}
	return fmt.Errorf("page %d: %w", page, err)
}

func later(a, b pause) pause {
	if b.until.After(a.until) {
		return b
	}
	return a
}

// nextPage finds the request for the page after resp, as the watch's
// paginate says; ok is false on the last page.
func nextPage(w *config.Watch, cur request, resp *response) (next request, ok bool, err error) {
	pg := w.Paginate
	if pg == nil {
		return request{}, false, nil
	}
	base, err := url.Parse(cur.url)
	if err != nil {
		return request{}, false, fmt.Errorf("bad URL %s", redact.URL(cur.url))
	}
	var ref string
	switch {
	case pg.LinkHeader:
		ref = linkNext(resp.header.Values("Link"))
	case pg.Next != "":
		r := gjson.GetBytes(resp.body, pg.Next)
		switch r.Type {
		case gjson.Null:
		case gjson.String:
			ref = strings.TrimSpace(r.Str)
		default:
			return request{}, false, fmt.Errorf("paginate.next: want a URL string at %q, got %s", pg.Next, r.Type)
		}
	case pg.Cursor != "":
		r := gjson.GetBytes(resp.body, pg.Cursor)
		var cursor string
		switch r.Type {
		case gjson.Null:
		case gjson.String:
			cursor = r.Str
		case gjson.Number:
			cursor = r.Raw
		default:
			return request{}, false, fmt.Errorf("paginate.cursor: want a string or number at %q, got %s", pg.Cursor, r.Type)
		}
		if cursor == "" {
			return request{}, false, nil
		}
		return cursorPage(w, cursor)
	}
	if ref == "" {
		return request{}, false, nil
	}
	u, err := base.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return request{}, false, fmt.Errorf("bad next page URL %s", redact.URL(ref))
	}
	return request{url: u.String(), body: cur.body}, true, nil
}

// cursorPage is the request for the page at cursor: the watch's own URL
// with the cursor in its param, or for a graphql watch the query with the
// cursor in the variable param.
func cursorPage(w *config.Watch, cursor string) (request, bool, error) {
	pg := w.Paginate
	if w.GraphQL != "" {
		vars := maps.Clone(w.Variables)
		if vars == nil {
			vars = map[string]any{}
		}
		vars[pg.Param] = cursor
		body, err := config.GraphQLBody(w.GraphQL, vars)
		if err != nil {
			return request{}, false, err
		}
		return request{url: w.RequestURL, body: string(body)}, true, nil
	}
	u, err := url.Parse(w.RequestURL)
	if err != nil {
		return request{}, false, fmt.Errorf("bad URL %s", redact.URL(w.RequestURL))
	}
	q := u.Query()
	q.Set(pg.Param, cursor)
	u.RawQuery = q.Encode()
	return request{url: u.String(), body: w.Body}, true, nil
}

// graphQLError reports a GraphQL response with a non-empty errors array.
func graphQLError(body []byte) error {
	errs := gjson.GetBytes(body, "errors")
	if !errs.IsArray() {
		return nil
	}
	list := errs.Array()
	if len(list) == 0 {
		return nil
	}
	msg := list[0].Get("message").String()
	if msg == "" {
		msg = list[0].Raw
	}
	msg = "graphql error: " + human.OneLine(msg, maxSnippet)
	if len(list) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(list)-1)
	}
	return errors.New(msg)
}

// link is one link of an RFC 8288 Link header.
type link struct {
	target string
	rels   []string
}

// linkNext returns the target of the first link with rel "next", or "".
func linkNext(headers []string) string {
	for _, l := range parseLinks(headers) {
		for _, r := range l.rels {
			if r == "next" {
				return l.target
			}
		}
	}
	return ""
}

// parseLinks parses Link header values (RFC 8288 section 3): a comma
// separated list of <target> followed by ;-separated parameters, whose
// values may be quoted strings holding commas and semicolons. rel may
// list several relation types; only its first occurrence counts, and
// relation types compare case-insensitively. A malformed value yields the
// links before the damage.
func parseLinks(headers []string) []link {
	var out []link
	for _, h := range headers {
		s := h
		for {
			s = strings.TrimLeft(s, " \t,")
			if s == "" || s[0] != '<' {
				break
			}
			end := strings.IndexByte(s, '>')
			if end < 0 {
				break
			}
			l := link{target: strings.TrimSpace(s[1:end])}
			s = s[end+1:]
			relSeen := false
			for {
				s = strings.TrimLeft(s, " \t")
				if s == "" || s[0] != ';' {
					break
				}
				s = strings.TrimLeft(s[1:], " \t")
				i := strings.IndexAny(s, "=;, \t")
				if i < 0 {
					i = len(s)
				}
				name := strings.ToLower(s[:i])
				s = strings.TrimLeft(s[i:], " \t")
				var val string
				if s != "" && s[0] == '=' {
					s = strings.TrimLeft(s[1:], " \t")
					val, s = paramValue(s)
				}
				if name == "rel" && !relSeen {
					relSeen = true
					l.rels = strings.Fields(strings.ToLower(val))
				}
			}
			out = append(out, l)
		}
	}
	return out
}

// paramValue reads a token or a quoted string (with \ escapes) and
// returns it and the rest.
func paramValue(s string) (string, string) {
	if s == "" || s[0] != '"' {
		i := strings.IndexAny(s, ";, \t")
		if i < 0 {
			return s, ""
		}
		return s[:i], s[i:]
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), "" // unterminated: take what there is
}
