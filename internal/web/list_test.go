package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

var watchRowRE = regexp.MustCompile(`<tr class="watch watch-(\w+)" data-watch="([^"]*)">`)

// rows are the watches a page lists, in order, as "name:state".
func rows(page string) []string {
	var out []string
	for _, m := range watchRowRE.FindAllStringSubmatch(page, -1) {
		out = append(out, m[2]+":"+m[1])
	}
	return out
}

// TestPage_WatchList: a fleet of 120 watches is listed 50 a page, failing
// first, with links to the other pages, to each state's watches and a
// search by name, each keeping the token; the counts are of every watch.
func TestPage_WatchList(t *testing.T) {
	src := newFleetSource(t, 120)
	srv := serve(t, src)
	const tok = "token=fleet-token"
	open := func(t *testing.T, query string) string {
		t.Helper()
		resp, page := get(t, srv.URL+"/?"+tok+"&"+query)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("?%s: %d", query, resp.StatusCode)
		}
		return page
	}

	for _, c := range []struct {
		name, query string
		// first and last are the first and last rows; n how many.
		first, last string
		n           int
		want        []string
		not         []string
	}{
		{"the first page", "", "w003:failing", "w041:ok", 50, []string{
			`<p class="sub list-count">Showing 1–50 of 120 watches, failing first</p>`,
			`<span class="page-current" aria-current="page">1</span>`,
			`<a href="/?page=2&amp;` + tok + `#watches">2</a>`,
			`<a href="/?page=3&amp;` + tok + `#watches">3</a>`,
			`<a href="/?page=2&amp;` + tok + `#watches" rel="next">next ›</a>`,
			// The counts are of every watch, and link to their lists.
			`<a class="tile" href="/?` + tok + `#watches"><span class="tile-n">120</span>`,
			`<a class="tile tile-bad" href="/?state=failing&amp;` + tok + `#watches"><span class="tile-n">12</span>`,
			`<a class="tile tile-warn" href="/?state=paused&amp;` + tok + `#watches"><span class="tile-n">1</span>`,
			`<a href="/?` + tok + `#watches" class="state state-current" aria-current="true">all <b>120</b></a>`,
			`<a href="/?state=ok&amp;` + tok + `#watches" class="state">ok <b>107</b></a>`,
		}, []string{`rel="prev"`}},
		{"the last page", "page=3", "w098:ok", "w119:ok", 20, []string{
			`Showing 101–120 of 120 watches, failing first`,
			`<a href="/?page=2&amp;` + tok + `#watches" rel="prev">‹ previous</a>`,
			`<a href="/?` + tok + `#watches">1</a>`,
		}, []string{`rel="next"`}},
		{"past the last page", "page=99", "w098:ok", "w119:ok", 20, []string{`Showing 101–120 of 120 watches`}, nil},
		{"one state", "state=failing", "w003:failing", "w113:failing", 12, []string{
			`Showing 1–12 of 12 watches</p>`,
			`<a href="/?state=failing&amp;` + tok + `#watches" class="state state-current" aria-current="true">failing <b>12</b></a>`,
		}, []string{`class="pager"`}},
		{"a search, regardless of case", "q=W11", "w113:failing", "w119:ok", 10, []string{
			`Showing 1–10 of 10 watches whose name contains “W11”</p>`,
			`<input type="search" name="q" value="W11"`,
			`<input type="hidden" name="token" value="fleet-token">`,
			`<a href="/?` + tok + `#watches">clear</a>`,
			// The state links keep the search, and count what it found.
			`<a href="/?q=W11&amp;state=failing&amp;` + tok + `#watches" class="state">failing <b>1</b></a>`,
			// The counts above are still of every watch.
			`<span class="tile-n">120</span>`,
		}, nil},
		{"a search and a state", "q=w11&state=ok&page=2", "w110:ok", "w119:ok", 9, []string{
			`<input type="hidden" name="state" value="ok">`,
		}, []string{`name="page"`}},
		{"a search that finds nothing", "q=nope", "", "", 0, []string{
			`No watches match. <a href="/?` + tok + `#watches">Clear the search</a>.`,
		}, []string{`class="sub list-count"`}},
		{"a search is escaped", "q=%3Cb%3Ex", "", "", 0, []string{`value="&lt;b&gt;x"`, `&lt;b&gt;x`}, []string{`<b>x`}},
		{"a filter it cannot read", "state=broken&page=-1", "w003:failing", "w041:ok", 50, []string{
			`Could not read the watches&#39; filter: bad query: state &#34;broken&#34;: want failing, paused, waiting or ok`,
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			page := open(t, c.query)
			got := rows(page)
			if len(got) != c.n || c.n > 0 && (got[0] != c.first || got[len(got)-1] != c.last) {
				t.Errorf("rows %v, want %d from %s to %s", got, c.n, c.first, c.last)
			}
			for _, want := range c.want {
				if !strings.Contains(page, want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			for _, not := range c.not {
				if strings.Contains(page, not) {
					t.Errorf("the page has %s", not)
				}
			}
		})
	}

	t.Run("the pager leaves gaps", func(t *testing.T) {
		page := open(t, "page=3")
		// 3 pages: no gap. 250 watches, page 3 of 5: no gap either; with
		// 500 (10 pages) on page 5: 1 … 3 4 5 6 7 … 10.
		if strings.Contains(page, `class="gap"`) {
			t.Error("three pages with a gap")
		}
		big := newFleetSource(t, 500)
		_, page = get(t, serve(t, big).URL+"/?"+tok+"&page=5")
		var shown []string
		for _, m := range regexp.MustCompile(`<a href="/\?page=(\d+)[^"]*">\d+</a>|<a href="/\?token[^"]*">(1)</a>|class="gap">(…)|aria-current="page">(\d+)<`).FindAllStringSubmatch(page, -1) {
			shown = append(shown, m[1]+m[2]+m[3]+m[4])
		}
		if got := strings.Join(shown, " "); got != "1 … 3 4 5 6 7 … 10" {
			t.Errorf("pager %q, want 1 … 3 4 5 6 7 … 10", got)
		}
	})

	t.Run("buttons come back to the list shown", func(t *testing.T) {
		page := open(t, "state=ok&page=2")
		row := testkit.WatchRow(t, page, "w060")
		if !strings.Contains(row, `<input type="hidden" name="back" value="page=2&amp;state=ok">`) {
			t.Fatalf("the poll now form does not carry the list back:\n%s", row)
		}
		resp := testkit.PostForm(t, srv.URL+"/ui/poll?"+tok, url.Values{"watch": {"w060"}, "back": {"page=2&state=ok&q=w0"}}, nil)
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("poll now: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if q := loc.Query(); q.Get("page") != "2" || q.Get("state") != "ok" || q.Get("q") != "w0" || q.Get("token") != "fleet-token" {
			t.Errorf("poll now redirects to %s, want the list it came from", loc)
		}
	})
}
