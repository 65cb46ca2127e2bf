package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/human"
)

// maxReason caps the tool's own words in Verdict.Reason.
const maxReason = 200

// classifyKind refines a generic verdict with what the target's tool says
// in its response body: its error description, retry_after hints, and the
// answers that mean the target is gone.
func classifyKind(t *config.Target, status int, body []byte, v *Verdict) {
	var detail string
	switch t.Kind {
	case config.KindTelegram:
		detail = classifyTelegram(status, body, v)
	case config.KindDiscord:
		detail = classifyDiscord(status, body, v)
	case config.KindMatrix:
		detail = classifyMatrix(body, v)
	case config.KindSlack:
		detail = toolDetail(body)
		// Slack answers 404 (no_service, channel_not_found, ...) for a
		// webhook that is gone, and 410 channel_is_archived for a channel
		// that is: neither comes back by retrying.
		if status == http.StatusNotFound || status == http.StatusGone {
			v.Disable = true
		}
	default:
		detail = toolDetail(body)
	}
	if v.OK {
		return
	}
	reason := fmt.Sprintf("HTTP %d", status)
	if status >= 300 && status < 400 {
		reason += " (redirects are not followed; fix the target URL)"
	}
	if detail != "" {
		reason += ": " + human.Cut(detail, maxReason)
	}
	if v.Disable {
		reason += " (target disabled)"
	}
	v.Reason = Redact(t, reason)
}

// retryAfter raises v.RetryAfter to d, within MaxRetryAfter.
func (v *Verdict) retryAfter(d time.Duration) {
	v.RetryAfter = min(max(v.RetryAfter, d), MaxRetryAfter)
}

// seconds converts a JSON number of seconds to a duration, within
// MaxRetryAfter.
func seconds(s float64) time.Duration {
	if math.IsNaN(s) || s <= 0 {
		return 0
	}
	if s >= MaxRetryAfter.Seconds() {
		return MaxRetryAfter
	}
	return time.Duration(math.Ceil(s * float64(time.Second)))
}

// classifyTelegram reads the Bot API's answer: {"ok":false,"error_code":429,
// "description":"Too Many Requests: retry after 15","parameters":
// {"retry_after":15}}. ok:false is a failure whatever the HTTP status.
func classifyTelegram(status int, body []byte, v *Verdict) string {
	var r struct {
		OK          *bool  `json:"ok"`
		ErrorCode   int    `json:"error_code"`
		Description string `json:"description"`
		Parameters  struct {
			RetryAfter      float64 `json:"retry_after"`
			MigrateToChatID int64   `json:"migrate_to_chat_id"`
		} `json:"parameters"`
	}
	if json.Unmarshal(body, &r) != nil || r.OK == nil {
		return toolDetail(body)
	}
	if *r.OK {
		return ""
	}
	v.OK = false
	v.retryAfter(seconds(r.Parameters.RetryAfter))
	detail := r.Description
	if detail == "" && r.ErrorCode != 0 {
		detail = fmt.Sprintf("error %d", r.ErrorCode)
	}
	if r.Parameters.MigrateToChatID != 0 {
		detail += fmt.Sprintf(" (the group is now supergroup %d: set chat_id to it)", r.Parameters.MigrateToChatID)
	}
	if status >= 200 && status < 300 {
		detail = "telegram says ok:false: " + detail
	}
	return detail
}

// classifyDiscord reads {"message": "...", "code": 10015} errors and the
// 429 body's retry_after, in seconds with a fraction.
func classifyDiscord(status int, body []byte, v *Verdict) string {
	var r struct {
		Message    string  `json:"message"`
		Code       int     `json:"code"`
		RetryAfter float64 `json:"retry_after"`
	}
	if json.Unmarshal(body, &r) != nil {
		return toolDetail(body)
	}
	if status == http.StatusTooManyRequests {
		v.retryAfter(seconds(r.RetryAfter))
	}
	// 10015 Unknown Webhook: the webhook was deleted.
	if status == http.StatusNotFound && r.Code == 10015 {
		v.Disable = true
	}
	if r.Code != 0 {
		return fmt.Sprintf("%s (code %d)", r.Message, r.Code)
	}
	return r.Message
}

// classifyMatrix reads {"errcode": "M_LIMIT_EXCEEDED", "error": "...",
// "retry_after_ms": 2000}.
func classifyMatrix(body []byte, v *Verdict) string {
	var r struct {
		ErrCode      string  `json:"errcode"`
		Error        string  `json:"error"`
		RetryAfterMS float64 `json:"retry_after_ms"`
	}
	if json.Unmarshal(body, &r) != nil || r.ErrCode == "" {
		return toolDetail(body)
	}
	v.retryAfter(seconds(r.RetryAfterMS / 1000))
	return strings.TrimSpace(r.ErrCode + ": " + r.Error)
}

// toolDetail finds a tool's explanation in a response body: a JSON field
// the tools use for it (description, message, errorDescription, error,
// error.message), or else the first line of a text body.
func toolDetail(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil {
		for _, k := range []string{"description", "errorDescription", "message", "error"} {
			var s string
			if json.Unmarshal(obj[k], &s) == nil && s != "" {
				return human.Clean(s)
			}
			var nested struct {
				Message string `json:"message"`
			}
			if json.Unmarshal(obj[k], &nested) == nil && nested.Message != "" {
				return human.Clean(nested.Message)
			}
		}
		return ""
	}
	if !utf8.Valid(body) {
		return "" // binary
	}
	if bytes.HasPrefix(body, []byte("<")) {
		return human.Summary(body, maxReason) // an HTML error page: its title
	}
	line, _, _ := bytes.Cut(body, []byte("\n"))
	return human.Clean(strings.TrimSpace(string(line)))
}
