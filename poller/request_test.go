package poller

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// inFlight counts the requests a server is handling and the most at once.
type inFlight struct {
	now, peak atomic.Int64
}

func (f *inFlight) wrap(delay time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		n := f.now.Add(1)
		for {
			p := f.peak.Load()
			if n <= p || f.peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(delay)
		f.now.Add(-1)
		_, _ = w.Write([]byte(`{"ok":true}`))
	}
}

// pollAll polls every watch of src at once and waits: with PollAll, or
// with a goroutine per watch (as the schedule does).
func pollAll(t *testing.T, p *Poller, src string, withPollAll bool) {
	t.Helper()
	cfg := parseConfig(t, src, nil)
	if withPollAll {
		p.PollAll(context.Background(), cfg.Watches, PollOptions{}, func(i int, _ *Outcome, err error) {
			if err != nil {
				t.Errorf("poll %s: %v", cfg.Watches[i].Name, err)
			}
		})
		return
	}
	var wg sync.WaitGroup
	for _, w := range cfg.Watches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.Poll(context.Background(), w, PollOptions{}); err != nil {
				t.Errorf("poll %s: %v", w.Name, err)
			}
		}()
	}
	wg.Wait()
}

func TestPoll_Limits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		maxPerHost    int
		maxConcurrent int
		servers       int
		want          int64 // most requests in flight, over all servers
	}{
		{"max_per_host 4, 20 watches on one host", 4, 0, 1, 4},
		{"max_per_host default", 0, 0, 1, 4},
		{"max_per_host counts host:port", 2, 0, 2, 4},
		{"max_concurrent 3 under max_per_host", 100, 3, 1, 3},
		{"max_concurrent 5 over two hosts", 4, 5, 2, 5},
	}
	for _, tt := range tests {
		for _, withPollAll := range []bool{false, true} {
			name := tt.name
			if withPollAll {
				name += ", PollAll"
			}
			t.Run(name, func(t *testing.T) {
				var f inFlight
				var src strings.Builder
				for i := range tt.servers {
					srv := httptest.NewServer(f.wrap(40 * time.Millisecond))
					defer srv.Close()
					body := watchTables(20, srv.URL)
					if i > 0 {
						// Second server: rename the watches, drop the target.
						body = strings.ReplaceAll(body, `name = "w`, `name = "x`)
						body = body[strings.Index(body, "\n[[watch]]"):]
					}
					src.WriteString(body)
				}
				p := pollerWith(t, openStore(t), func(o *Options) {
					o.MaxPerHost, o.MaxConcurrent = tt.maxPerHost, tt.maxConcurrent
				})
				pollAll(t, p, src.String(), withPollAll)
				if got := f.peak.Load(); got != tt.want {
					t.Errorf("at most %d requests in flight, want %d", got, tt.want)
				}
			})
		}
	}
}

func TestPoll_Auth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		url   string // path and query after the server URL
		extra string
		env   map[string]string
		check func(t *testing.T, r *http.Request)
	}{
		{
			name:  "bearer",
			extra: `bearer = "${TOKEN}"`,
			env:   map[string]string{"TOKEN": "tok-123"},
			check: func(t *testing.T, r *http.Request) {
				if got := r.Header.Get("Authorization"); got != "Bearer tok-123" {
					t.Errorf("Authorization = %q", got)
				}
			},
		},
		{
			name:  "basic",
			extra: `basic = { username = "alice", password = "${PW}" }`,
			env:   map[string]string{"PW": "s3cr3t"},
			check: func(t *testing.T, r *http.Request) {
				if u, pw, ok := r.BasicAuth(); !ok || u != "alice" || pw != "s3cr3t" {
					t.Errorf("basic auth = %q %q %v", u, pw, ok)
				}
			},
		},
		{
			name:  "headers",
			extra: `headers = { "X-Api-Key" = "k1", Accept = "application/vnd.github+json" }`,
			check: func(t *testing.T, r *http.Request) {
				if r.Header.Get("X-Api-Key") != "k1" || r.Header.Get("Accept") != "application/vnd.github+json" {
					t.Errorf("headers = %v", r.Header)
				}
				if !strings.HasPrefix(r.Header.Get("User-Agent"), "pollhook/") {
					t.Errorf("User-Agent = %q", r.Header.Get("User-Agent"))
				}
			},
		},
		{
			name:  "query merges with the URL's, and wins",
			url:   "/items?state=open&per_page=5",
			extra: `query = { per_page = "100", token = "${QT}" }`,
			env:   map[string]string{"QT": "qtok"},
			check: func(t *testing.T, r *http.Request) {
				q := r.URL.Query()
				if q.Get("state") != "open" || q.Get("per_page") != "100" || q.Get("token") != "qtok" || len(q["per_page"]) != 1 {
					t.Errorf("query = %v", q)
				}
				if r.URL.Path != "/items" {
					t.Errorf("path = %q", r.URL.Path)
				}
			},
		},
		{
			name:  "POST body, default content type",
			extra: "method = \"POST\"\nbody = '{\"q\":1}'",
			check: func(t *testing.T, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				if r.Method != "POST" || string(b) != `{"q":1}` || r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("%s %s %q", r.Method, r.Header.Get("Content-Type"), b)
				}
			},
		},
		{
			name:  "POST body, content type",
			extra: "method = \"POST\"\nbody = 'a=1'\ncontent_type = \"application/x-www-form-urlencoded\"",
			check: func(t *testing.T, r *http.Request) {
				if err := r.ParseForm(); err != nil || r.PostForm.Get("a") != "1" {
					t.Errorf("form = %v, %v", r.PostForm, err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *http.Request
			var body []byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ = io.ReadAll(r.Body)
				got = r.Clone(context.Background())
				_, _ = w.Write([]byte(`{}`))
			}))
			defer srv.Close()
			cfg := parseConfig(t, watchTables(1, srv.URL+tt.url, tt.extra), tt.env)
			p := pollerWith(t, openStore(t), nil)
			mustPoll(t, p, cfg.Watches[0])
			got.Body = io.NopCloser(strings.NewReader(string(body)))
			tt.check(t, got)
		})
	}
}

// TestPoll_CredentialsStayOnOrigin checks that a next page on another
// host gets no credentials.
func TestPoll_CredentialsStayOnOrigin(t *testing.T) {
	t.Parallel()
	var other *http.Request
	otherSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other = r.Clone(context.Background())
		_, _ = w.Write([]byte(`{"items":[2]}`))
	}))
	defer otherSrv.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0ken" || r.Header.Get("X-Api-Key") != "k3y" {
			t.Errorf("origin request lacks credentials: %v", r.Header)
		}
		_, _ = w.Write([]byte(`{"items":[1],"next":"` + otherSrv.URL + `/p2"}`))
	}))
	defer srv.Close()
	cfg := parseConfig(t, watchTables(1, srv.URL, `bearer = "t0ken"`, `headers = { "X-Api-Key" = "k3y", "X-Env" = "prod" }`,
		`select = "items"`, `paginate = { next = "next" }`), nil)
	p := pollerWith(t, openStore(t), nil)
	if out := mustPoll(t, p, cfg.Watches[0]); out.Pages != 2 {
		t.Fatalf("pages = %d", out.Pages)
	}
	if other.Header.Get("Authorization") != "" || other.Header.Get("X-Api-Key") != "" {
		t.Errorf("credentials sent to another host: %v", other.Header)
	}
	if other.Header.Get("X-Env") != "prod" {
		t.Errorf("plain header not sent to the next page: %v", other.Header)
	}
}

func TestPoll_GraphQL(t *testing.T) {
	t.Parallel()
	var reqs []map[string]any
	var mu sync.Mutex
	answer := `{"data":{"repository":{"releases":{"nodes":[{"id":"R1","name":"v1"}]}}}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s with %q, want a JSON POST", r.Method, r.Header.Get("Content-Type"))
		}
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Errorf("body: %v", err)
		}
		mu.Lock()
		reqs = append(reqs, m)
		a := answer
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(a))
	}))
	defer srv.Close()
	cfg := parseConfig(t, watchTables(1, srv.URL+"/graphql",
		`graphql = '''
query($owner: String!, $name: String!, $n: Int!) {
  repository(owner: $owner, name: $name) { releases(first: $n) { nodes { id name } } }
}'''`,
		`variables = { owner = "cli", name = "${REPO}", n = 10, draft = false, tags = ["a", "b"], sub = { x = 1.5 } }`,
		`select = "data.repository.releases.nodes"`, `key = "id"`,
	), map[string]string{"REPO": "cli"})
	w := cfg.Watches[0]
	p := pollerWith(t, openStore(t), nil)
	mustPoll(t, p, w)

	req := reqs[0]
	if q, _ := req["query"].(string); !strings.Contains(q, "repository(owner: $owner") {
		t.Errorf("query = %q", q)
	}
	vars, _ := json.Marshal(req["variables"])
	if string(vars) != `{"draft":false,"n":10,"name":"cli","owner":"cli","sub":{"x":1.5},"tags":["a","b"]}` {
		t.Errorf("variables = %s", vars)
	}

	// Errors in a 200 answer fail the poll with the first message.
	mu.Lock()
	answer = `{"data":null,"errors":[{"message":"Could not resolve to a Repository with the name 'cli/nope'.","type":"NOT_FOUND"},{"message":"second"}]}`
	mu.Unlock()
	_, err := p.Poll(context.Background(), w, PollOptions{})
	if err == nil || !strings.Contains(err.Error(), "Could not resolve to a Repository") || !strings.Contains(err.Error(), "and 1 more") {
		t.Fatalf("poll with errors = %v, want a failure quoting the first error", err)
	}
	if p.State("w0").Failures != 1 {
		t.Errorf("failures = %d", p.State("w0").Failures)
	}
	// An empty errors array is no error.
	mu.Lock()
	answer = `{"data":{"repository":{"releases":{"nodes":[{"id":"R1","name":"v1"}]}}},"errors":[]}`
	mu.Unlock()
	if _, err := p.Poll(context.Background(), w, PollOptions{}); err != nil {
		t.Errorf("poll with errors = []: %v", err)
	}
}

// TestPoll_GraphQLCursor follows a GraphQL connection: the cursor goes
// into the variable named by param.
func TestPoll_GraphQLCursor(t *testing.T) {
	t.Parallel()
	pages := map[string]string{
		"":   `{"data":{"items":{"nodes":[{"id":1}],"pageInfo":{"endCursor":"c1"}}}}`,
		"c1": `{"data":{"items":{"nodes":[{"id":2}],"pageInfo":{"endCursor":null}}}}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Variables map[string]any `json:"variables"`
		}
		_ = json.NewDecoder(r.Body).Decode(&m)
		after, _ := m.Variables["after"].(string)
		if m.Variables["first"] != float64(50) {
			t.Errorf("variables = %v", m.Variables)
		}
		_, _ = w.Write([]byte(pages[after]))
	}))
	defer srv.Close()
	cfg := parseConfig(t, watchTables(1, srv.URL, `graphql = 'query($first: Int!, $after: String) { items(first: $first, after: $after) { nodes { id } pageInfo { endCursor } } }'`,
		`variables = { first = 50 }`, `select = "data.items.nodes"`, `key = "id"`,
		`paginate = { cursor = "data.items.pageInfo.endCursor", param = "after" }`), nil)
	p := pollerWith(t, openStore(t), nil)
	if out := mustPoll(t, p, cfg.Watches[0]); out.Pages != 2 {
		t.Fatalf("pages = %d, want 2", out.Pages)
	}
}

// TestPoll_SlowHostStarvesNoOne checks that watches queued behind a slow
// host do not hold the poll slots other hosts need.
func TestPoll_SlowHostStarvesNoOne(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer slow.Close()
	defer close(release)
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{}`))
	}))
	defer fast.Close()
	cfg := parseConfig(t, watchTables(20, slow.URL, `timeout = "10s"`)+"\n[[watch]]\nname = \"fast\"\nurl = \""+fast.URL+"\"\n", nil)
	p := pollerWith(t, openStore(t), func(o *Options) { o.MaxPerHost, o.MaxConcurrent = 2, 4 })
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // before wg.Wait: the slow polls end with it
	for _, w := range cfg.Watches[:20] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = p.Poll(ctx, w, PollOptions{})
		}()
	}
	time.Sleep(50 * time.Millisecond) // let the slow watches queue up
	done := make(chan error, 1)
	go func() {
		_, err := p.Poll(context.Background(), cfg.Watch("fast"), PollOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("fast watch: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("a watch of another host waited behind the slow host")
	}
	cancel()
}
