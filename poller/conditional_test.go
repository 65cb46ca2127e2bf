package poller

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// validatorAPI serves a body with an ETag and/or Last-Modified and
// answers 304 when the request's validators match, counting full bodies
// served and recording the validators each request carried.
type validatorAPI struct {
	mu           sync.Mutex
	body         string
	etag         string
	lastModified string
	ignoreConds  bool // a server that never answers 304

	bodies atomic.Int64
	n304   atomic.Int64
	seen   []string // "If-None-Match|If-Modified-Since" per request
}

func (a *validatorAPI) set(body, etag, lastModified string) {
	a.mu.Lock()
	a.body, a.etag, a.lastModified = body, etag, lastModified
	a.mu.Unlock()
}

func (a *validatorAPI) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

func (a *validatorAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	body, etag, lm, ignore := a.body, a.etag, a.lastModified, a.ignoreConds
	inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
	a.seen = append(a.seen, inm+"|"+ims)
	a.mu.Unlock()
	if etag != "" {
		w.Header().Set("ETag", etag)
	}
	if lm != "" {
		w.Header().Set("Last-Modified", lm)
	}
	if !ignore && ((inm != "" && inm == etag) || (inm == "" && ims != "" && ims == lm)) {
		a.n304.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	a.bodies.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(body))
}

func TestPoll_ETag(t *testing.T) {
	t.Parallel()
	api := &validatorAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	st := &countingStore{DB: db}
	p := pollerWith(t, st, nil)
	w := newTestWatch(t, srv.URL, `key = "id"`)
	ctx := context.Background()

	api.set(`[{"id":1,"v":"a"}]`, `"v1"`, "")
	if out := mustPoll(t, p, w); !out.Baseline {
		t.Fatalf("first poll = %+v, want a baseline", out)
	}
	if got := api.requests()[0]; got != "|" {
		t.Errorf("first poll sent validators %q before any baseline existed", got)
	}
	if s := storedState(t, db, "w"); s.ETag != `"v1"` {
		t.Fatalf("stored ETag = %q, want \"v1\"", s.ETag)
	}
	snap, _ := db.AppendSnapshot(ctx, nil, "w")
	sum, writes := p.State("w").Sum, st.writes()

	// Unchanged: the API answers 304; no body, no diff, no write.
	out := mustPoll(t, p, w)
	if !out.NotModified || out.Event != nil || out.Baseline {
		t.Fatalf("conditional poll = %+v, want not modified", out)
	}
	if got := api.requests()[1]; got != `"v1"|` {
		t.Errorf("second poll sent %q, want If-None-Match \"v1\"", got)
	}
	if api.bodies.Load() != 1 || api.n304.Load() != 1 {
		t.Errorf("bodies served %d, 304s %d; want 1, 1", api.bodies.Load(), api.n304.Load())
	}
	if st.writes() != writes {
		t.Errorf("a 304 cost %d database writes, want 0", st.writes()-writes)
	}
	if s2, _ := db.AppendSnapshot(ctx, nil, "w"); string(s2) != string(snap) || p.State("w").Sum != sum {
		t.Errorf("a 304 touched the snapshot")
	}

	// Changed: new body, new ETag: one event, the new ETag stored with it.
	api.set(`[{"id":1,"v":"b"}]`, `"v2"`, "")
	out = mustPoll(t, p, w)
	if out.Event == nil {
		t.Fatalf("poll after change = %+v, want an event", out)
	}
	if s := storedState(t, db, "w"); s.ETag != `"v2"` {
		t.Errorf("stored ETag = %q after the change, want \"v2\"", s.ETag)
	}
	if got := api.requests()[2]; got != `"v1"|` {
		t.Errorf("third poll sent %q", got)
	}

	// A server that ignores validators: same data, same ETag, no write.
	api.mu.Lock()
	api.ignoreConds = true
	api.mu.Unlock()
	writes = st.writes()
	if out := mustPoll(t, p, w); out.Event != nil || out.NotModified {
		t.Fatalf("poll = %+v, want no change", out)
	}
	if st.writes() != writes {
		t.Errorf("no-change poll with the same validators cost %d writes, want 0", st.writes()-writes)
	}
	// Same data, new ETag: one write, to remember the new validator.
	api.set(`[{"id":1,"v":"b"}]`, `"v3"`, "")
	mustPoll(t, p, w)
	if st.writes() != writes+1 {
		t.Errorf("no-change poll with a new ETag cost %d writes, want 1", st.writes()-writes)
	}
	if s := storedState(t, db, "w"); s.ETag != `"v3"` {
		t.Errorf("stored ETag = %q, want \"v3\"", s.ETag)
	}
}

func TestPoll_LastModified(t *testing.T) {
	t.Parallel()
	api := &validatorAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	p := pollerWith(t, db, nil)
	w := newTestWatch(t, srv.URL, "")
	lm := "Wed, 21 Oct 2015 07:28:00 GMT"
	api.set(`{"a":1}`, "", lm)
	mustPoll(t, p, w)
	if s := storedState(t, db, "w"); s.LastModified != lm || s.ETag != "" {
		t.Fatalf("stored validators = %q/%q, want Last-Modified only", s.ETag, s.LastModified)
	}
	out := mustPoll(t, p, w)
	if !out.NotModified {
		t.Fatalf("poll = %+v, want not modified", out)
	}
	if got := api.requests()[1]; got != "|"+lm {
		t.Errorf("sent %q, want If-Modified-Since %q", got, lm)
	}
}

func TestPoll_ValidatorsDroppedOnIdentityChange(t *testing.T) {
	t.Parallel()
	api := &validatorAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	p := pollerWith(t, db, nil)
	api.set(`{"a":[1],"b":[2]}`, `"e"`, "")
	mustPoll(t, p, newTestWatch(t, srv.URL, `select = "a"`))

	w2 := newTestWatch(t, srv.URL, `select = "b"`)
	out := mustPoll(t, p, w2)
	if !out.Baseline || out.NotModified {
		t.Fatalf("after select changed: %+v, want a new baseline from a full response", out)
	}
	if got := api.requests()[1]; got != "|" {
		t.Errorf("validators %q sent although the watch's identity changed", got)
	}
	if out := mustPoll(t, p, w2); !out.NotModified {
		t.Errorf("the new baseline's validators are not used: %+v", out)
	}
}

func TestPoll_ConditionalOff(t *testing.T) {
	t.Parallel()
	api := &validatorAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	p := pollerWith(t, db, nil)
	w := newTestWatch(t, srv.URL, "conditional = false")
	api.set(`{"a":1}`, `"e"`, "Wed, 21 Oct 2015 07:28:00 GMT")
	mustPoll(t, p, w)
	mustPoll(t, p, w)
	for i, got := range api.requests() {
		if got != "|" {
			t.Errorf("request %d sent validators %q with conditional = false", i, got)
		}
	}
	if s := storedState(t, db, "w"); s.ETag != "" || s.LastModified != "" {
		t.Errorf("validators stored with conditional = false: %+v", s)
	}
}

// TestPoll_ConditionalWithConfirm checks that a change waiting for
// confirmation is fetched whole: a 304 would hide it.
func TestPoll_ConditionalWithConfirm(t *testing.T) {
	t.Parallel()
	api := &validatorAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	p := pollerWith(t, db, nil)
	w := newTestWatch(t, srv.URL, "")
	w.Confirm = 2
	api.set(`{"v":1}`, `"1"`, "")
	mustPoll(t, p, w)
	api.set(`{"v":2}`, `"2"`, "")
	if out := mustPoll(t, p, w); out.Event != nil {
		t.Fatal("fired before confirmation")
	}
	out := mustPoll(t, p, w)
	if out.Event == nil || out.NotModified {
		t.Fatalf("second sighting = %+v, want the confirmed event", out)
	}
	if got := api.requests()[2]; got != "|" {
		t.Errorf("validators %q sent while a change waited for confirmation", got)
	}
	if out := mustPoll(t, p, w); !out.NotModified {
		t.Errorf("after the event: %+v, want validators in use again", out)
	}
}

func TestPoll_NotModifiedOnFirstPageSkipsOthers(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	mux := http.NewServeMux()
	var srvURL string
	mux.HandleFunc("/items", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Query().Get("page") == "2" {
			_, _ = w.Write([]byte(`[{"id":2}]`))
			return
		}
		if r.Header.Get("If-None-Match") == `"p1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"p1"`)
		w.Header().Set("Link", "<"+srvURL+`/items?page=2>; rel="next"`)
		_, _ = w.Write([]byte(`[{"id":1}]`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	srvURL = srv.URL
	p := pollerWith(t, openStore(t), nil)
	w := newTestWatch(t, srv.URL+"/items", "key = \"id\"\npaginate = { link_header = true }\nconditional = true")
	if out := mustPoll(t, p, w); out.Pages != 2 {
		t.Fatalf("first poll fetched %d pages, want 2", out.Pages)
	}
	out := mustPoll(t, p, w)
	if !out.NotModified || hits.Load() != 3 {
		t.Fatalf("second poll = %+v after %d requests; want not modified after 1 more request", out, hits.Load())
	}
}

// TestPoll_PaginatedSeesLaterPages checks the default for a paginated
// watch: every page is fetched, so an edit on page 2 is seen even though
// page 1 would have answered 304.
func TestPoll_PaginatedSeesLaterPages(t *testing.T) {
	t.Parallel()
	var page2 atomic.Value
	page2.Store(`[{"id":2,"name":"b"}]`)
	mux := http.NewServeMux()
	var srvURL string
	mux.HandleFunc("/items", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			_, _ = w.Write([]byte(page2.Load().(string)))
			return
		}
		if r.Header.Get("If-None-Match") == `"p1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"p1"`)
		w.Header().Set("Link", "<"+srvURL+`/items?page=2>; rel="next"`)
		_, _ = w.Write([]byte(`[{"id":1,"name":"a"}]`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	srvURL = srv.URL
	p := pollerWith(t, openStore(t), nil)
	w := newTestWatch(t, srv.URL+"/items", "key = \"id\"\npaginate = { link_header = true }")
	mustPoll(t, p, w)
	page2.Store(`[{"id":2,"name":"b2"}]`)
	out := mustPoll(t, p, w)
	if out.Event == nil || len(out.Event.Data.Changes) != 1 || out.Event.Data.Changes[0].Path != "#(id==2).name" {
		t.Fatalf("edit on page 2: %+v, want the change", out)
	}
}

// TestPoll_HugeValidatorsAreNotStored: an API that sends a 1 MiB ETag
// would get it back as a 1 MiB If-None-Match and refuse it (431) for ever,
// across restarts. Validators over maxValidator are not kept.
func TestPoll_HugeValidatorsAreNotStored(t *testing.T) {
	t.Parallel()
	api := &validatorAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	p := pollerWith(t, db, nil)
	w := newTestWatch(t, srv.URL, `key = "id"`)
	huge := `"` + strings.Repeat("e", 1<<20) + `"`
	api.set(`[{"id":1}]`, huge, strings.Repeat("x", maxValidator+1))
	mustPoll(t, p, w)
	mustPoll(t, p, w)
	if s := storedState(t, db, "w"); s.ETag != "" || s.LastModified != "" {
		t.Errorf("stored validators of %d and %d bytes", len(s.ETag), len(s.LastModified))
	}
	if got := api.requests(); len(got) != 2 || got[1] != "|" {
		t.Errorf("the second poll sent validators: %d bytes", len(got[len(got)-1]))
	}
}

// TestPoll_RefusedConditionalRequest: a 4xx to a conditional request
// (here 431, validators too large for the API, or an API that chokes on
// them) is retried once without validators, and the stored validators go.
func TestPoll_RefusedConditionalRequest(t *testing.T) {
	t.Parallel()
	var refuse atomic.Bool
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if refuse.Load() && r.Header.Get("If-None-Match") != "" {
			http.Error(w, "Request Header Fields Too Large", http.StatusRequestHeaderFieldsTooLarge)
			return
		}
		if !refuse.Load() {
			w.Header().Set("ETag", `"v1"`)
		}
		_, _ = w.Write([]byte(`[{"id":1}]`))
	}))
	defer srv.Close()
	db := openStore(t)
	p := pollerWith(t, db, nil)
	w := newTestWatch(t, srv.URL, `key = "id"`)
	mustPoll(t, p, w)
	if s := storedState(t, db, "w"); s.ETag != `"v1"` {
		t.Fatalf("stored ETag %q", s.ETag)
	}
	refuse.Store(true)
	requests.Store(0)
	if out := mustPoll(t, p, w); out.Event != nil {
		t.Errorf("the retried poll reported a change: %+v", out.Event)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("%d requests, want the refused one and one without validators", n)
	}
	if s := storedState(t, db, "w"); s.ETag != "" || s.Failures != 0 {
		t.Errorf("after the refusal: stored ETag %q, %d failures; want none", s.ETag, s.Failures)
	}
	requests.Store(0)
	mustPoll(t, p, w)
	if n := requests.Load(); n != 1 {
		t.Errorf("the next poll made %d requests, want 1 (no validators to refuse)", n)
	}
}
