package notify

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/human"
)

// cannedResponse is a canned response of a target's server.
type cannedResponse struct {
	status int
	header map[string]string
	body   string
}

// classifyVia sends m to a test server answering r, the way the deliverer
// does (no redirects followed, at most 64 KiB of body read), and classifies
// the answer.
func classifyVia(t *testing.T, target *config.Target, r cannedResponse) Verdict {
	t.Helper()
	var got struct {
		method, auth, gotifyKey string
		body                    []byte
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got.method = req.Method
		got.auth = req.Header.Get("Authorization")
		got.gotifyKey = req.Header.Get("X-Gotify-Key")
		got.body, _ = io.ReadAll(req.Body)
		for k, v := range r.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(r.status)
		_, _ = io.WriteString(w, r.body)
	}))
	defer srv.Close()

	// Point the target at the test server, keeping its kind's URL shape.
	tg := *target
	switch tg.Kind {
	case config.KindMatrix:
		tg.Homeserver = srv.URL
	case config.KindTelegram, config.KindNtfy, config.KindGotify:
		tg.URL = srv.URL
	default:
		tg.URL = srv.URL + "/hook"
	}
	m, err := Render(&tg, goldenEvent(), testNow, "test")
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), m.Method, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = m.Header
	client := &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		t.Fatal(err)
	}
	if got.method != m.Method || !bytes.Equal(got.body, m.Body) {
		t.Fatalf("server got %s with %d bytes, want %s with %d", got.method, len(got.body), m.Method, len(m.Body))
	}
	switch tg.Kind {
	case config.KindMatrix, config.KindNtfy:
		if got.auth != "Bearer "+tg.Token {
			t.Errorf("Authorization = %q", got.auth)
		}
	case config.KindGotify:
		if got.gotifyKey != tg.Token {
			t.Errorf("X-Gotify-Key = %q", got.gotifyKey)
		}
	}
	return Classify(&tg, resp.StatusCode, resp.Header, body, testNow)
}

func TestClassify_perKind(t *testing.T) {
	t.Parallel()
	targets := map[string]*config.Target{}
	for _, tg := range testTargets() {
		targets[tg.Kind] = tg
	}
	tests := []struct {
		name        string
		kind        string
		resp        cannedResponse
		wantOK      bool
		wantDisable bool
		wantRetry   time.Duration
		wantReason  string // a substring; "" checks that Reason is empty
	}{
		// Discord
		{"discord ok", config.KindDiscord, cannedResponse{200, nil, `{"id":"1","content":""}`}, true, false, 0, ""},
		{"discord 429 retry_after in body", config.KindDiscord,
			cannedResponse{429, map[string]string{"Retry-After": "1"}, `{"message":"You are being rate limited.","retry_after":1.5,"global":false}`},
			false, false, 1500 * time.Millisecond, "You are being rate limited."},
		{"discord 429 header longer than body", config.KindDiscord,
			cannedResponse{429, map[string]string{"Retry-After": "7200"}, `{"message":"rate limited","retry_after":3600.0}`},
			false, false, 2 * time.Hour, "rate limited"},
		{"discord 429 capped", config.KindDiscord,
			cannedResponse{429, nil, `{"message":"rate limited","retry_after":1e12}`}, false, false, MaxRetryAfter, ""},
		{"discord unknown webhook disables", config.KindDiscord,
			cannedResponse{404, nil, `{"message":"Unknown Webhook","code":10015}`}, false, true, 0, "Unknown Webhook (code 10015) (target disabled)"},
		{"discord invalid form body", config.KindDiscord,
			cannedResponse{400, nil, `{"code":50035,"errors":{"embeds":{}},"message":"Invalid Form Body"}`}, false, false, 0, "HTTP 400: Invalid Form Body (code 50035)"},

		// Telegram
		{"telegram ok", config.KindTelegram, cannedResponse{200, nil, `{"ok":true,"result":{"message_id":7}}`}, true, false, 0, ""},
		{"telegram ok:false with 200", config.KindTelegram,
			cannedResponse{200, nil, `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`},
			false, false, 0, "ok:false: Bad Request: chat not found"},
		{"telegram 429 retry_after", config.KindTelegram,
			cannedResponse{429, map[string]string{"Retry-After": "5"}, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 15","parameters":{"retry_after":15}}`},
			false, false, 15 * time.Second, "Too Many Requests: retry after 15"},
		{"telegram token never in reason", config.KindTelegram,
			cannedResponse{401, nil, `{"ok":false,"error_code":401,"description":"Unauthorized: bot` + testTelegramToken + ` unknown"}`},
			false, false, 0, "Unauthorized: botREDACTED unknown"},
		{"telegram group migrated", config.KindTelegram,
			cannedResponse{400, nil, `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234}}`},
			false, false, 0, "set chat_id to it"},

		// Slack
		{"slack ok", config.KindSlack, cannedResponse{200, nil, "ok"}, true, false, 0, ""},
		{"slack channel archived disables", config.KindSlack, cannedResponse{410, nil, "channel_is_archived"}, false, true, 0, "HTTP 410: channel_is_archived (target disabled)"},
		{"slack no_service disables", config.KindSlack, cannedResponse{404, nil, "no_service"}, false, true, 0, "no_service"},
		{"slack channel_not_found disables", config.KindSlack, cannedResponse{404, nil, "channel_not_found"}, false, true, 0, "channel_not_found"},
		{"slack invalid payload", config.KindSlack, cannedResponse{400, nil, "invalid_payload"}, false, false, 0, "HTTP 400: invalid_payload"},
		{"slack 429", config.KindSlack, cannedResponse{429, map[string]string{"Retry-After": "30"}, ""}, false, false, 30 * time.Second, "HTTP 429"},

		// Mattermost
		{"mattermost error", config.KindMattermost,
			cannedResponse{400, nil, `{"id":"web.incoming_webhook.parse.app_error","message":"Unable to parse incoming data.","status_code":400}`},
			false, false, 0, "Unable to parse incoming data."},

		// Teams Workflows
		{"teams accepted", config.KindTeams, cannedResponse{202, nil, ""}, true, false, 0, ""},
		{"teams error", config.KindTeams,
			cannedResponse{400, nil, `{"error":{"code":"InvalidRequestContent","message":"The request content is not valid."}}`},
			false, false, 0, "The request content is not valid."},

		// Google Chat
		{"googlechat rate limited", config.KindGoogleChat,
			cannedResponse{429, nil, `{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}`},
			false, false, 0, "Resource has been exhausted"},

		// ntfy
		{"ntfy ok", config.KindNtfy, cannedResponse{200, nil, `{"id":"x","event":"message"}`}, true, false, 0, ""},
		{"ntfy unauthorized", config.KindNtfy,
			cannedResponse{401, nil, `{"code":40101,"http":401,"error":"unauthorized","link":"https://ntfy.sh/docs/publish/#authentication"}`},
			false, false, 0, "HTTP 401: unauthorized"},
		{"ntfy 429", config.KindNtfy, cannedResponse{429, map[string]string{"Retry-After": "60"}, `{"code":42901,"http":429,"error":"limit reached: too many requests"}`},
			false, false, time.Minute, "too many requests"},

		// Matrix
		{"matrix ok", config.KindMatrix, cannedResponse{200, nil, `{"event_id":"$abc"}`}, true, false, 0, ""},
		{"matrix rate limited", config.KindMatrix,
			cannedResponse{429, nil, `{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":2500}`},
			false, false, 2500 * time.Millisecond, "M_LIMIT_EXCEEDED: Too many requests"},
		{"matrix forbidden", config.KindMatrix,
			cannedResponse{403, nil, `{"errcode":"M_FORBIDDEN","error":"User not in room"}`}, false, false, 0, "M_FORBIDDEN"},

		// Gotify
		{"gotify ok", config.KindGotify, cannedResponse{200, nil, `{"id":1}`}, true, false, 0, ""},
		{"gotify unauthorized", config.KindGotify,
			cannedResponse{401, nil, `{"error":"Unauthorized","errorCode":401,"errorDescription":"you need to provide a valid access token or user credentials to access this api"}`},
			false, false, 0, "you need to provide a valid access token"},

		// Generic answers, for any kind
		{"redirect is a failure", config.KindGotify, cannedResponse{302, map[string]string{"Location": "https://elsewhere.example/"}, ""},
			false, false, 0, "redirects are not followed"},
		{"410 disables", config.KindNtfy, cannedResponse{410, nil, ""}, false, true, 0, "HTTP 410 (target disabled)"},
		{"503 Retry-After date", config.KindTeams,
			cannedResponse{503, map[string]string{"Retry-After": testNow.Add(90 * time.Second).Format(http.TimeFormat)}, "<html>busy</html>"},
			false, false, 90 * time.Second, "HTTP 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := classifyVia(t, targets[tt.kind], tt.resp)
			if v.OK != tt.wantOK || v.Disable != tt.wantDisable || v.RetryAfter != tt.wantRetry {
				t.Errorf("verdict = %+v, want OK %v, Disable %v, RetryAfter %v", v, tt.wantOK, tt.wantDisable, tt.wantRetry)
			}
			if tt.wantReason == "" && tt.wantOK && v.Reason != "" {
				t.Errorf("Reason = %q, want none", v.Reason)
			}
			if !strings.Contains(v.Reason, tt.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", v.Reason, tt.wantReason)
			}
			for _, s := range testSecrets {
				if strings.Contains(v.Reason, s) {
					t.Errorf("Reason contains the secret %q", s)
				}
			}
		})
	}
}

func TestClassify_reasonIsCut(t *testing.T) {
	t.Parallel()
	body := `{"description":"` + strings.Repeat("ü", 5000) + `"}`
	v := Classify(&config.Target{Kind: config.KindNtfy}, 400, http.Header{}, []byte(body), testNow)
	if n := human.Len(v.Reason); n > 300 {
		t.Errorf("Reason is %d characters long", n)
	}
	if !strings.HasSuffix(v.Reason, "…") {
		t.Errorf("Reason = %q, want it cut with …", v.Reason)
	}
}

// TestClassify_HTMLErrorPage: a target's HTML error page is summed up by
// its title in the reason that deliveries and the logs show.
func TestClassify_HTMLErrorPage(t *testing.T) {
	t.Parallel()
	tg := &config.Target{Kind: config.KindWebhook, URL: "https://hooks.example/h"}
	body := []byte("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.25.3</center></body></html>")
	v := Classify(tg, http.StatusBadGateway, http.Header{}, body, time.Now())
	if v.Reason != "HTTP 502: 502 Bad Gateway" {
		t.Errorf("reason %q", v.Reason)
	}
}
