package testkit

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// WatchRow is the table row of a watch on the status page.
func WatchRow(t testing.TB, page, name string) string {
	t.Helper()
	marker := `data-watch="` + html.EscapeString(name) + `"`
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("the page has no row for watch %s", name)
	}
	row, _, _ := strings.Cut(page[i:], "</tr>")
	return row
}

// PostForm posts a form as a browser does, with the headers given (Origin,
// Sec-Fetch-Site), and returns the answer without following a redirect.
func PostForm(t testing.TB, target string, form url.Values, headers map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}
