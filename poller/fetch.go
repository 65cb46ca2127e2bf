package poller

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pollhook/pollhook/config"
)

// response is one successful fetch.
type response struct {
	status      int
	contentType string
	header      http.Header
	body        []byte
}

// FetchError is a failed request. Status is 0 for network errors.
type FetchError struct {
	Status int
	// RetryAfter is the API's request to wait (Retry-After), if any.
	RetryAfter time.Duration
	Err        error
}

func (e *FetchError) Error() string { return e.Err.Error() }
func (e *FetchError) Unwrap() error { return e.Err }

// ErrTooLarge means a response exceeded the watch's max_body.
var ErrTooLarge = errors.New("response larger than max_body")

// maxErrorBody is how much of a failed response's body goes into the error.
const maxErrorBody = 256

// fetch performs one request of a watch and reads its body, bounded by
// the watch's timeout and max_body.
func (p *Poller) fetch(ctx context.Context, w *config.Watch, url string) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()

	var body io.Reader
	if w.Body != "" {
		body = strings.NewReader(w.Body)
	}
	req, err := http.NewRequestWithContext(ctx, w.Method, url, body)
	if err != nil {
		return nil, &FetchError{Err: fmt.Errorf("build request: %w", err)}
	}
	req.Header.Set("User-Agent", "pollhook/"+p.version)
	req.Header.Set("Accept", "application/json, text/*;q=0.9, */*;q=0.5")
	if w.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range w.Headers {
		req.Header.Set(k, v)
	}

	resp, err := p.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return nil, &FetchError{Err: fmt.Errorf("no answer within %s", w.Timeout)}
		}
		return nil, &FetchError{Err: fmt.Errorf("request: %w", cleanURLError(err))}
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
		msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
		if s := strings.TrimSpace(string(bytes.ToValidUTF8(snippet, nil))); s != "" {
			msg += ": " + oneLine(s)
		}
		return nil, &FetchError{Status: resp.StatusCode, Err: errors.New(msg)}
	}

	// Read at most max_body+1 bytes: one more than allowed proves the body
	// is too large without reading it whole.
	data, err := io.ReadAll(io.LimitReader(resp.Body, w.MaxBody+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, &FetchError{Status: resp.StatusCode, Err: fmt.Errorf("body not complete within %s", w.Timeout)}
		}
		return nil, &FetchError{Status: resp.StatusCode, Err: fmt.Errorf("read body: %w", err)}
	}
	if int64(len(data)) > w.MaxBody {
		return nil, &FetchError{Status: resp.StatusCode, Err: fmt.Errorf("%w (%d bytes)", ErrTooLarge, w.MaxBody)}
	}
	return &response{
		status:      resp.StatusCode,
		contentType: resp.Header.Get("Content-Type"),
		header:      resp.Header,
		body:        data,
	}, nil
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

// oneLine squeezes a response snippet into a short single line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
