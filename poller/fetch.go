package poller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/httpclient"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/internal/redact"
)

// response is one successful fetch: a 2xx with its body, or a 304 to a
// conditional request (no body read).
type response struct {
	status      int
	contentType string
	header      http.Header
	body        []byte
	// pause is when the API allows the next request, if it said so.
	pause pause
}

// FetchError is a failed request. Status is 0 for network errors.
type FetchError struct {
	Status int
	Err    error

	pause pause
}

// Error describes the failed request.
func (e *FetchError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FetchError) Unwrap() error { return e.Err }

// ErrTooLarge means a response exceeded the watch's max_body.
var ErrTooLarge = errors.New("response larger than max_body")

// maxErrorBody is how much of a failed response's body is read for the
// error (enough to find an HTML page's <title>), and maxSnippet how much of
// what it says the error shows: 200 characters and a "…".
const (
	maxErrorBody = 4 << 10
	maxSnippet   = 201
)

// maxValidator is the longest ETag or Last-Modified kept for conditional
// requests: a longer one would come back as a header the API may refuse
// (431), poll after poll.
const maxValidator = 8 << 10

// maxPause caps how long an API can make pollhook wait.
const maxPause = 24 * time.Hour

// request is one page to fetch.
type request struct {
	url  string
	body string
	// etag and lastModified, when set, make the request conditional.
	etag, lastModified string
}

// fetch performs one request of a watch and reads its body, bounded by
// the watch's timeout and max_body. The poll holds a request slot of the
// watch's own host; a page on another host waits for a slot of that host
// too, within the timeout.
func (p *Poller) fetch(ctx context.Context, w *config.Watch, in *watchInfo, rq request) (*response, error) {
	// Parsed here rather than kept parsed in the watch's info: at 10,000
	// watches the parsed URLs were 1.5 MB of pollhook once's heap, for
	// half a microsecond a fetch.
	u, err := url.Parse(rq.url)
	if err != nil {
		return nil, &FetchError{Err: fmt.Errorf("bad URL %s", redact.URL(rq.url))}
	}
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	if !strings.EqualFold(u.Host, in.host) {
		release, err := p.limits.host(ctx, u.Host)
		if err != nil {
			return nil, &FetchError{Err: fmt.Errorf("no request slot for %s within %s", u.Host, w.Timeout)}
		}
		defer release()
	}
	req, err := p.newRequest(ctx, w, in, u, rq)
	if err != nil {
		return nil, &FetchError{Err: err}
	}
	resp, err := p.clientFor(w).Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return nil, &FetchError{Err: fmt.Errorf("no answer within %s", w.Timeout)}
		}
		return nil, &FetchError{Err: fmt.Errorf("request: %w", cleanURLError(err))}
	}
	defer resp.Body.Close()
	pause := pauseFrom(resp.StatusCode, resp.Header, p.clock.Now())

	if resp.StatusCode == http.StatusNotModified && (rq.etag != "" || rq.lastModified != "") {
		// Nothing to read: a 304 has no body, and costs no diff.
		return &response{status: resp.StatusCode, header: resp.Header, pause: pause}, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
		msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
		if s := human.Summary(snippet, maxSnippet); s != "" {
			msg += ": " + s
		}
		return nil, &FetchError{Status: resp.StatusCode, Err: errors.New(msg), pause: pause}
	}

	// Read at most max_body+1 bytes: one more than allowed proves the body
	// is too large without reading it whole.
	data, err := readBody(io.LimitReader(resp.Body, w.MaxBody+1), resp.ContentLength, p.bodyBuffer())
	if err != nil {
		if ctx.Err() != nil {
			return nil, &FetchError{Status: resp.StatusCode, Err: fmt.Errorf("body not complete within %s", w.Timeout), pause: pause}
		}
		return nil, &FetchError{Status: resp.StatusCode, Err: fmt.Errorf("read body: %w", err), pause: pause}
	}
	if int64(len(data)) > w.MaxBody {
		return nil, &FetchError{Status: resp.StatusCode, Err: fmt.Errorf("%w (%d bytes)", ErrTooLarge, w.MaxBody), pause: pause}
	}
	return &response{
		status:      resp.StatusCode,
		contentType: resp.Header.Get("Content-Type"),
		header:      resp.Header,
		body:        data,
		pause:       pause,
	}, nil
}

// maxSizeHint bounds the room readBody makes before reading: a
// Content-Length is only a hint, which a server could make as large as
// max_body.
const maxSizeHint = 1 << 20

// readBody reads r to its end, into buf when it has room for it. hint is
// the answer's Content-Length (-1 when unknown): a buffer of that size is
// read into, where io.ReadAll would start at 512 bytes and copy what it
// read at each growth.
func readBody(r io.Reader, hint int64, buf []byte) ([]byte, error) {
	size := 512
	if hint >= 0 {
		size = int(min(hint, maxSizeHint)) + 1 // +1: room to read the end
	}
	b := buf[:0]
	if cap(b) < size {
		b = make([]byte, 0, size)
	}
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// bodyBuffer returns a buffer an earlier answer was read into, or nil.
func (p *Poller) bodyBuffer() []byte {
	if b, ok := p.bodies.Get().(*[]byte); ok {
		return *b
	}
	return nil
}

// recycle hands the pages of an answer nothing holds any more to the
// next answers to read into.
func (p *Poller) recycle(pages [][]byte) {
	for _, page := range pages {
		page = page[:0]
		p.bodies.Put(&page)
	}
}

// newRequest builds a request of the watch: its method, body and headers,
// its credentials (only to the watch's own origin: a next-page link to
// another host gets no bearer, basic or credential-looking header, like
// net/http does on redirects), and the validators of a conditional request.
func (p *Poller) newRequest(ctx context.Context, w *config.Watch, in *watchInfo, u *url.URL, rq request) (*http.Request, error) {
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	// u is parsed already, for this request: it becomes the request's
	// rather than its text being parsed again, with the host normalized
	// as NewRequest does.
	req, err := http.NewRequestWithContext(ctx, w.Method, "", body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", cleanURLError(err))
	}
	u.Host = strings.TrimSuffix(u.Host, ":")
	req.URL, req.Host = u, u.Host
	req.Header.Set("User-Agent", "pollhook/"+p.version)
	req.Header.Set("Accept", "application/json, text/*;q=0.9, */*;q=0.5")
	if rq.body != "" {
		ct := w.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	creds := in.host != "" && strings.EqualFold(u.Scheme, in.scheme) && strings.EqualFold(u.Host, in.host)
	for k, v := range w.Headers {
		if !creds && (redact.IsSecretName(k) || http.CanonicalHeaderKey(k) == "Authorization") {
			continue
		}
		req.Header.Set(k, v)
	}
	if creds {
		if w.Bearer != "" {
			req.Header.Set("Authorization", "Bearer "+w.Bearer)
		}
		if w.Basic != nil {
			req.SetBasicAuth(w.Basic.Username, w.Basic.Password)
		}
	}
	if rq.etag != "" {
		req.Header.Set("If-None-Match", rq.etag)
	}
	if rq.lastModified != "" {
		req.Header.Set("If-Modified-Since", rq.lastModified)
	}
	return req, nil
}

// maxRedirects is how many redirects one request follows.
const maxRedirects = 10

// redirectPolicy follows an API's redirects without handing its
// credentials to another origin: net/http drops Authorization and Cookie
// there, but not the watch's other secret headers, and the Referer would
// carry the watch's query (tokens included) anywhere.
func redirectPolicy(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	req.Header.Del("Referer")
	if !sameOrigin(req.URL, via[0].URL) {
		for k := range req.Header {
			if redact.IsSecretName(k) || http.CanonicalHeaderKey(k) == "Authorization" {
				req.Header.Del(k)
			}
		}
	}
	return nil
}

// sameOrigin reports whether u has the scheme and host of base.
func sameOrigin(u, base *url.URL) bool {
	return strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Host, base.Host)
}

// pause is an API's request not to be called before until.
type pause struct {
	until time.Time
	at    time.Time // when the answer came
	// retryAfter: from Retry-After (else a rate limit with none remaining).
	retryAfter bool
	// capped: the API asked for more than maxPause.
	capped bool
}

// pauseFrom reads when an API allows the next request from its answer:
// Retry-After on 429 and 503 (and on 403, GitHub's secondary rate limit),
// in seconds or as an HTTP date; or a rate limit with nothing remaining,
// X-RateLimit-Remaining: 0 with X-RateLimit-Reset (unix seconds, or
// seconds from now when the number is too small to be a date), or the
// IETF RateLimit-Remaining / RateLimit-Reset (seconds from now), on any
// status. The zero pause means none; a pause is capped at 24 hours.
func pauseFrom(status int, h http.Header, now time.Time) pause {
	var p pause
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == http.StatusForbidden {
		// A valid Retry-After decides, even one asking for no wait: the
		// rate-limit headers are read only without one.
		if d, capped, ok := httpclient.RetryAfter(h.Get("Retry-After"), now, maxPause); ok {
			p = pause{until: now.Add(d), retryAfter: true, capped: capped}
		}
	}
	if p.until.IsZero() {
		// The names in canonical form, as http.Header keeps them: Get
		// would make each anew on every answer.
		for _, rl := range [...]struct {
			remaining, reset string
			unix             bool
		}{{"X-Ratelimit-Remaining", "X-Ratelimit-Reset", true}, {"Ratelimit-Remaining", "Ratelimit-Reset", false}} {
			if !exhausted(h.Get(rl.remaining)) {
				continue
			}
			if t, ok := resetTime(h.Get(rl.reset), rl.unix, now); ok {
				p = pause{until: t}
				break
			}
		}
	}
	if p.until.IsZero() || !p.until.After(now) {
		return pause{}
	}
	p.at = now
	if p.until.Sub(now) > maxPause {
		p.until, p.capped = now.Add(maxPause), true
	}
	return p
}

func exhausted(v string) bool {
	if v == "" {
		return false // most answers: spare ParseFloat's error
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return err == nil && n <= 0
}

// epochThreshold separates unix times from relative seconds in reset
// headers: no API resets its limit more than ten years from now.
const epochThreshold = 10 * 365 * 24 * 3600

func resetTime(v string, unix bool, now time.Time) (time.Time, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, false
	}
	if unix && n > epochThreshold {
		return time.Unix(n, 0), true
	}
	return now.Add(time.Duration(min(n, int64(maxPause/time.Second)+1)) * time.Second), true
}

// cleanURLError drops the URL net/http puts into its errors: it may hold
// credentials in its query, and the log line names the watch anyway.
func cleanURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
