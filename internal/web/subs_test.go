package web

import (
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/store"
)

func TestPage_Subscriptions(t *testing.T) {
	src := newFakeSource(t, htmlWatch, "", 1)
	_, page := get(t, serve(t, src).URL+"/")
	if strings.Contains(page, `id="subscriptions"`) {
		t.Fatal("subscriptions section shown while they are off")
	}

	src.cfg.Subscriptions = &config.Subscriptions{}
	src.apps = []store.App{{ID: "app_1"}, {ID: "app_2"}}
	src.endpoints = []store.Endpoint{
		{ID: "ep_ok", App: "app_1", URL: "https://a.example/in", Status: store.EndpointActive},
		{ID: "ep_wait", App: "app_1", URL: "https://b.example/in?token=s3cret", Status: store.EndpointPending,
			StatusReason: `handshake: <script>alert(1)</script>`},
		{ID: "ep_bad", App: "app_2", URL: "https://c.example/in", Status: store.EndpointFailed, StatusReason: "handshake: OPTIONS answered 405"},
		{ID: "ep_off", App: "app_2", URL: "https://d.example/in", Status: store.EndpointActive, Disabled: true, DisabledReason: "failing for 120h"},
		{ID: "ep_fail", App: "app_2", URL: "https://e.example/in", Status: store.EndpointActive, FailingSince: src.now.Add(-time.Hour)},
	}
	_, page = get(t, serve(t, src).URL+"/")
	i := strings.Index(page, `id="subscriptions"`)
	if i < 0 {
		t.Fatal("no subscriptions section")
	}
	sec := page[i:]
	for _, want := range []string{
		"<b>2</b> applications", "<b>5</b> endpoints", "<b>2</b> active", "<b>1</b> pending verification",
		"<b>1</b> failed verification", "<b>1</b> disabled", "<b>1</b> failing",
		`data-endpoint="ep_wait"`, `data-endpoint="ep_bad"`, `data-endpoint="ep_off"`, `data-endpoint="ep_fail"`,
		"OPTIONS answered 405", "disabled: failing for 120h", "&lt;script&gt;",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("section lacks %q", want)
		}
	}
	if strings.Contains(sec, `data-endpoint="ep_ok"`) {
		t.Error("a healthy endpoint is listed")
	}
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "s3cret") {
		t.Error("the section shows a reason unescaped or a URL's secret")
	}
}
