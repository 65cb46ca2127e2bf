package subs

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The CloudEvents HTTP webhook validation handshake (abuse protection):
// the sender asks with OPTIONS whether it may deliver to a URL, and the
// receiver grants its origin.
const (
	headerRequestOrigin = "WebHook-Request-Origin"
	headerRequestRate   = "WebHook-Request-Rate"
	headerAllowedOrigin = "WebHook-Allowed-Origin"
	headerAllowedRate   = "WebHook-Allowed-Rate"
)

// VerifyRetry is the wait after the attempt-th failed handshake (1 the
// first) before the next one, and false after the last: five tries over
// about an hour (1, 5, 15 and 40 minutes apart), then the endpoint fails.
func VerifyRetry(attempt int) (time.Duration, bool) {
	switch attempt {
	case 1:
		return time.Minute, true
	case 2:
		return 5 * time.Minute, true
	case 3:
		return 15 * time.Minute, true
	case 4:
		return 40 * time.Minute, true
	}
	return 0, false
}

// Handshake asks the receiver at url whether origin may deliver to it:
// OPTIONS with WebHook-Request-Origin and, when rate (per minute) is
// positive, WebHook-Request-Rate. It succeeds when a 2xx answer's
// WebHook-Allowed-Origin is origin or "*", and returns the rate the answer
// allows per minute (WebHook-Allowed-Rate; 0 when absent or "*": no cap).
// The error is the reason, for the consumer: it never quotes the body.
func Handshake(ctx context.Context, c *http.Client, url, origin string, rate int) (allowedRate int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, url, nil)
	if err != nil {
		return 0, fmt.Errorf("handshake: %w", err)
	}
	req.Header.Set(headerRequestOrigin, origin)
	if rate > 0 {
		req.Header.Set(headerRequestRate, strconv.Itoa(rate))
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("handshake: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, fmt.Errorf("handshake: OPTIONS answered %d, want 200 with %s", resp.StatusCode, headerAllowedOrigin)
	}
	granted := false
	for _, v := range resp.Header.Values(headerAllowedOrigin) {
		for _, o := range strings.Split(v, ",") {
			o = strings.TrimSpace(o)
			if o == "*" || strings.EqualFold(o, origin) {
				granted = true
			}
		}
	}
	if !granted {
		if len(resp.Header.Values(headerAllowedOrigin)) == 0 {
			return 0, fmt.Errorf("handshake: the answer has no %s header", headerAllowedOrigin)
		}
		return 0, fmt.Errorf("handshake: %s does not grant origin %q", headerAllowedOrigin, origin)
	}
	switch v := strings.TrimSpace(resp.Header.Get(headerAllowedRate)); v {
	case "", "*":
		return 0, nil
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("handshake: %s must be a positive number of requests per minute or *", headerAllowedRate)
		}
		return n, nil
	}
}
