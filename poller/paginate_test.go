package poller

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/internal/testkit"
)

// pagedAPI serves /items?page=N from a list of page bodies, with the
// pagination style of the test.
type pagedAPI struct {
	mu     sync.Mutex
	style  string   // "link", "next", "cursor"
	pages  []string // JSON arrays of items, one per page
	failOn int      // page answering 500, or 0
	loopTo int      // the last page links back to this page, or 0
	srvURL string
	asked  []string // page numbers requested, in order
}

func (a *pagedAPI) setPages(pages ...string) {
	a.mu.Lock()
	a.pages = pages
	a.mu.Unlock()
}

func (a *pagedAPI) requested() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.asked...)
}

func (a *pagedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	q := r.URL.Query()
	page := q.Get("page")
	if a.style == "cursor" {
		page = strings.TrimPrefix(q.Get("cursor"), "c")
		if q.Get("per_page") != "2" {
			http.Error(w, "lost the original query", http.StatusBadRequest)
			return
		}
	}
	if page == "" {
		page = "1"
	}
	a.asked = append(a.asked, page)
	var n int
	fmt.Sscan(page, &n)
	if n < 1 || n > len(a.pages) {
		http.Error(w, "no such page", http.StatusNotFound)
		return
	}
	if n == a.failOn {
		http.Error(w, "page broke", http.StatusInternalServerError)
		return
	}
	next := n + 1
	if n == len(a.pages) {
		next = a.loopTo
	}
	items := a.pages[n-1]
	w.Header().Set("Content-Type", "application/json")
	switch a.style {
	case "link":
		links := []string{`<` + a.srvURL + `/items?page=1>; rel="first"; title="a, b; c"`}
		if next > 0 {
			// Several rels, a quoted title with separators, relative URL.
			links = append(links, fmt.Sprintf(`</items?page=%d>; title="next, ;page"; rel="next nofollow"`, next))
		}
		// Two header lines.
		w.Header().Add("Link", strings.Join(links, ", "))
		w.Header().Add("Link", fmt.Sprintf(`<%s/items?page=%d>; rel=last`, a.srvURL, len(a.pages)))
		_, _ = w.Write([]byte(items))
	case "next":
		nextURL := "null"
		if next > 0 {
			nextURL = fmt.Sprintf(`"items?page=%d"`, next) // relative to /items
		}
		fmt.Fprintf(w, `{"data":%s,"links":{"next":%s}}`, items, nextURL)
	case "cursor":
		cursor := `""`
		if next > 0 {
			cursor = fmt.Sprintf(`"c%d"`, next)
		}
		fmt.Fprintf(w, `{"data":%s,"meta":{"next_cursor":%s}}`, items, cursor)
	}
}

var paginateStyles = []struct {
	style string
	extra []string
}{
	{"link", []string{`paginate = { link_header = true }`}},
	{"next", []string{`select = "data"`, `paginate = { next = "links.next" }`}},
	{"cursor", []string{`select = "data"`, `query = { per_page = "2" }`, `paginate = { cursor = "meta.next_cursor", param = "cursor" }`}},
}

func TestPoll_Paginate(t *testing.T) {
	t.Parallel()
	for _, ps := range paginateStyles {
		t.Run(ps.style, func(t *testing.T) {
			api := &pagedAPI{style: ps.style}
			srv := httptest.NewServer(api)
			defer srv.Close()
			api.srvURL = srv.URL
			cfg := parseConfig(t, watchTables(1, srv.URL+"/items", append([]string{`key = "id"`}, ps.extra...)...), nil)
			w := cfg.Watches[0]
			db := openStore(t)
			p := pollerWith(t, db, nil)
			ctx := context.Background()

			api.setPages(`[{"id":1,"v":"a"},{"id":2,"v":"b"}]`, `[{"id":3,"v":"c"},{"id":4,"v":"d"}]`, `[{"id":5,"v":"e"}]`)
			out := mustPoll(t, p, w)
			if !out.Baseline || out.Pages != 3 {
				t.Fatalf("first poll = %+v, want a baseline of 3 pages", out)
			}
			if got := api.requested(); !reflect.DeepEqual(got, []string{"1", "2", "3"}) {
				t.Errorf("pages requested = %v", got)
			}
			snap, _ := db.AppendSnapshot(ctx, nil, w.Name)
			if string(snap) != `[{"id":1,"v":"a"},{"id":2,"v":"b"},{"id":3,"v":"c"},{"id":4,"v":"d"},{"id":5,"v":"e"}]` {
				t.Errorf("snapshot = %s, want the pages' items as one array", snap)
			}

			t.Run("keyed list spanning pages", func(t *testing.T) {
				// Elements moved between pages: no change.
				api.setPages(`[{"id":5,"v":"e"},{"id":3,"v":"c"}]`, `[{"id":1,"v":"a"},{"id":4,"v":"d"}]`, `[{"id":2,"v":"b"}]`)
				if out := mustPoll(t, p, w); out.Event != nil {
					t.Fatalf("reordering across pages reported %+v", out.Event.Data.Changes)
				}
				// One element changed on the last page, one added on the first.
				api.setPages(`[{"id":6,"v":"f"},{"id":5,"v":"e"},{"id":3,"v":"c"}]`, `[{"id":1,"v":"a"},{"id":4,"v":"d"}]`, `[{"id":2,"v":"B"}]`)
				out := mustPoll(t, p, w)
				if out.Event == nil {
					t.Fatal("no event")
				}
				got := map[string]diff.Op{}
				for _, c := range out.Event.Data.Changes {
					got[c.Path] = c.Op
				}
				want := map[string]diff.Op{"#(id==6)": diff.Added, "#(id==2).v": diff.Changed}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("changes = %v, want %v", got, want)
				}
			})

			t.Run("failing middle page", func(t *testing.T) {
				before, _ := db.AppendSnapshot(ctx, nil, w.Name)
				seq := p.State(w.Name).Seq
				api.mu.Lock()
				api.failOn = 2
				api.mu.Unlock()
				api.setPages(`[{"id":1,"v":"NEW"}]`, `[{"id":3}]`, `[{"id":4}]`)
				_, err := p.Poll(ctx, w, PollOptions{})
				if err == nil || !strings.Contains(err.Error(), "page 2: HTTP 500: page broke") {
					t.Fatalf("poll = %v, want the failure of page 2", err)
				}
				if after, _ := db.AppendSnapshot(ctx, nil, w.Name); string(after) != string(before) {
					t.Errorf("a failed page changed the snapshot: %s", after)
				}
				if p.State(w.Name).Seq != seq {
					t.Error("a failed page produced an event")
				}
				api.mu.Lock()
				api.failOn = 0
				api.mu.Unlock()
			})
		})
	}
}

func TestPoll_PaginateStops(t *testing.T) {
	t.Parallel()
	five := []string{`[{"id":1}]`, `[{"id":2}]`, `[{"id":3}]`, `[{"id":4}]`, `[{"id":5}]`}
	for _, ps := range paginateStyles {
		t.Run(ps.style+"/max_pages", func(t *testing.T) {
			api := &pagedAPI{style: ps.style, pages: five}
			srv := httptest.NewServer(api)
			defer srv.Close()
			api.srvURL = srv.URL
			extra := append([]string{`key = "id"`}, ps.extra...)
			last := extra[len(extra)-1]
			extra[len(extra)-1] = strings.TrimSuffix(last, " }") + ", max_pages = 2 }"
			cfg := parseConfig(t, watchTables(1, srv.URL+"/items", extra...), nil)
			var logs testkit.SyncBuffer
			p := pollerWith(t, openStore(t), func(o *Options) {
				o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			if out := mustPoll(t, p, cfg.Watches[0]); out.Pages != 2 {
				t.Errorf("pages = %d, want max_pages 2", out.Pages)
			}
			if !strings.Contains(logs.String(), "more pages exist") {
				t.Errorf("no debug log about the pages left:\n%s", logs.String())
			}
		})
		t.Run(ps.style+"/loop", func(t *testing.T) {
			api := &pagedAPI{style: ps.style, pages: five[:3], loopTo: 2}
			srv := httptest.NewServer(api)
			defer srv.Close()
			api.srvURL = srv.URL
			cfg := parseConfig(t, watchTables(1, srv.URL+"/items", append([]string{`key = "id"`}, ps.extra...)...), nil)
			p := pollerWith(t, openStore(t), nil)
			if out := mustPoll(t, p, cfg.Watches[0]); out.Pages != 3 {
				t.Errorf("pages = %d, want 3 (page 3 links back to 2)", out.Pages)
			}
			if got := api.requested(); !reflect.DeepEqual(got, []string{"1", "2", "3"}) {
				t.Errorf("pages requested = %v", got)
			}
		})
	}
}

func TestPoll_PaginateCursorEnds(t *testing.T) {
	t.Parallel()
	for _, end := range []string{`"next_cursor":""`, `"next_cursor":null`, `"other":1`} {
		t.Run(end, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("cursor") == "" {
					_, _ = w.Write([]byte(`{"data":[1],"meta":{"next_cursor":7}}`)) // a number cursor
					return
				}
				if r.URL.Query().Get("cursor") != "7" {
					t.Errorf("cursor = %q", r.URL.Query().Get("cursor"))
				}
				_, _ = w.Write([]byte(`{"data":[2],"meta":{` + end + `}}`))
			}))
			defer srv.Close()
			cfg := parseConfig(t, watchTables(1, srv.URL, `select = "data"`, `paginate = { cursor = "meta.next_cursor", param = "cursor" }`), nil)
			p := pollerWith(t, openStore(t), nil)
			if out := mustPoll(t, p, cfg.Watches[0]); out.Pages != 2 {
				t.Errorf("pages = %d, want 2", out.Pages)
			}
		})
	}
}

// TestPoll_PaginateRateLimited checks that pagination stops, and the poll
// fails, when the API's rate limit runs out before the last page.
func TestPoll_PaginateRateLimited(t *testing.T) {
	t.Parallel()
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			t.Error("page 2 requested with no requests remaining")
		}
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "60")
		w.Header().Set("Link", "<"+srvURL+"/?page=2>; rel=\"next\"")
		_, _ = w.Write([]byte(`[1]`))
	}))
	defer srv.Close()
	srvURL = srv.URL
	cfg := parseConfig(t, watchTables(1, srv.URL, `paginate = { link_header = true }`), nil)
	p := pollerWith(t, openStore(t), nil)
	_, err := p.Poll(context.Background(), cfg.Watches[0], PollOptions{})
	if err == nil || !strings.Contains(err.Error(), "rate limit exhausted") {
		t.Fatalf("poll = %v, want a rate limit failure", err)
	}
	if p.State("w0").PausedUntil.IsZero() {
		t.Error("no pause recorded")
	}
}

func TestParseLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers []string
		want    string // the next link
	}{
		{"github", []string{`<https://api.github.com/repositories/1/releases?page=2>; rel="next", <https://api.github.com/repositories/1/releases?page=5>; rel="last"`}, "https://api.github.com/repositories/1/releases?page=2"},
		{"next not first", []string{`<https://x/1>; rel="prev", <https://x/3>; rel="next"`}, "https://x/3"},
		{"several rels", []string{`<https://x/2>; rel="nofollow NEXT"`}, "https://x/2"},
		{"unquoted rel", []string{`<https://x/2>;rel=next`}, "https://x/2"},
		{"quoted params with separators", []string{`<https://x/1>; title="rel=next, <https://evil/>"; rel="prev", <https://x/2>; title="a;b,c"; rel="next"`}, "https://x/2"},
		{"escaped quote", []string{`<https://x/1>; title="say \"hi\", rel=next"; rel=prev, <https://x/3>; rel=next`}, "https://x/3"},
		{"first rel wins", []string{`<https://x/1>; rel="prev"; rel="next", <https://x/2>; rel="next"`}, "https://x/2"},
		{"several header lines", []string{`<https://x/1>; rel="prev"`, `<https://x/9>; rel="next"`}, "https://x/9"},
		{"target with comma and semicolon", []string{`<https://x/a,b;c?p=2>; rel="next"`}, "https://x/a,b;c?p=2"},
		{"relative", []string{`</items?page=2>; rel="next"`}, "/items?page=2"},
		{"none", []string{`<https://x/1>; rel="prev"`}, ""},
		{"empty", nil, ""},
		{"garbage", []string{`rel=next; https://x/2`}, ""},
		{"rel-ish param name", []string{`<https://x/1>; relx="next", <https://x/2>; rel="next"`}, "https://x/2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := linkNext(tt.headers); got != tt.want {
				t.Errorf("next = %q, want %q (links %+v)", got, tt.want, parseLinks(tt.headers))
			}
		})
	}
}
