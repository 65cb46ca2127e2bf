package subs

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/store"
)

// The official Svix Go SDK, pointed at pollhook, manages endpoints
// unchanged, and its webhook verifier accepts what pollhook signs.
func TestSvixSDK(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	u, err := url.Parse(f.url)
	if err != nil {
		t.Fatal(err)
	}
	opts := &svix.SvixOptions{ServerUrl: u, HTTPClient: &http.Client{Timeout: 30 * time.Second}}
	admin := svix.New(adminToken, opts)

	app, err := admin.Application.Create(ctx, &svix.ApplicationIn{Name: "Acme", Uid: svix.String("acme")})
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	if app.Name != "Acme" || app.GetUid() != "acme" || !strings.HasPrefix(app.Id, "app_") {
		t.Fatalf("app %+v", app)
	}
	got, err := admin.Application.Get(ctx, "acme")
	if err != nil || got.Id != app.Id {
		t.Fatalf("get app by uid: %+v, %v", got, err)
	}
	var tok tokenOut
	f.must(201, adminToken, "POST", "/api/v1/app/"+app.Id+"/token", "", &tok)
	client := svix.New(tok.Token, opts)

	ep, err := client.Endpoint.Create(ctx, app.Id, &svix.EndpointIn{
		Url: "https://hooks.example.com/in", Description: svix.String("prod"),
		Channels: []string{"releases"}, FilterTypes: []string{"watch.changed"}, Uid: svix.String("prod"),
	})
	if err != nil {
		t.Fatalf("create endpoint: %v", err)
	}
	if ep.Url != "https://hooks.example.com/in" || ep.Description != "prod" || strings.Join(ep.Channels, ",") != "releases" {
		t.Fatalf("endpoint %+v", ep)
	}
	if _, err := client.Endpoint.Create(ctx, app.Id, &svix.EndpointIn{Url: "https://169.254.169.254/"}); err == nil {
		t.Fatal("the SDK created an endpoint to the metadata service")
	} else if se, ok := err.(*svix.Error); !ok || se.Status() != 422 || !strings.Contains(string(se.Body()), "link-local") {
		t.Fatalf("refusal %#v", err)
	}
	if _, err := client.Endpoint.Create(ctx, app.Id, &svix.EndpointIn{Url: "https://hooks.example.com/2"}); err != nil {
		t.Fatalf("second endpoint: %v", err)
	}

	list, err := client.Endpoint.List(ctx, app.Id, &svix.EndpointListOptions{Limit: svix.Int32(1)})
	if err != nil || len(list.Data) != 1 || list.Done {
		t.Fatalf("list page 1: %+v, %v", list, err)
	}
	list2, err := client.Endpoint.List(ctx, app.Id, &svix.EndpointListOptions{Limit: svix.Int32(1), Iterator: list.Iterator.Get()})
	if err != nil || len(list2.Data) != 1 || list2.Data[0].Id == list.Data[0].Id {
		t.Fatalf("list page 2: %+v, %v", list2, err)
	}

	patched, err := client.Endpoint.Patch(ctx, app.Id, ep.Id, &svix.EndpointPatch{Channels: []string{"releases", "incidents"}})
	if err != nil || len(patched.Channels) != 2 || patched.Url != ep.Url {
		t.Fatalf("patch channels: %+v, %v", patched, err)
	}
	byUID, err := client.Endpoint.Get(ctx, app.Id, "prod")
	if err != nil || byUID.Id != ep.Id {
		t.Fatalf("get by uid: %+v, %v", byUID, err)
	}

	sec, err := client.Endpoint.GetSecret(ctx, app.Id, ep.Id)
	if err != nil || !strings.HasPrefix(sec.Key, "whsec_") {
		t.Fatalf("secret: %+v, %v", sec, err)
	}
	if err := client.Endpoint.RotateSecret(ctx, app.Id, ep.Id, &svix.EndpointSecretRotateIn{}); err != nil {
		t.Fatalf("rotate: %v", err)
	}
	sec2, err := client.Endpoint.GetSecret(ctx, app.Id, ep.Id)
	if err != nil || sec2.Key == sec.Key {
		t.Fatalf("after rotate: %+v, %v", sec2, err)
	}

	rec, err := client.Endpoint.Recover(ctx, app.Id, ep.Id, &svix.RecoverIn{Since: f.clock.Now().Add(-time.Hour)})
	if err != nil || rec.Task != "endpoint.recover" {
		t.Fatalf("recover: %+v, %v", rec, err)
	}

	types, err := client.EventType.List(ctx, nil)
	if err != nil || len(types.Data) == 0 {
		t.Fatalf("event types: %+v, %v", types, err)
	}

	// Both the new and the rotated-out secret sign what pollhook sends,
	// and Svix's verifier accepts either.
	eps, err := f.db.Endpoints(ctx, app.Id)
	if err != nil {
		t.Fatal(err)
	}
	var target *store.Endpoint
	for i := range eps {
		if eps[i].ID == ep.Id {
			target = &eps[i]
		}
	}
	target.Status = store.EndpointActive
	ts := Targets([]store.Endpoint{*target}, f.clock.Now())
	ev := event.Sample("releases", "https://api.example.com/v1/releases", time.Now())
	msg, err := notify.Render(ts[0], ev, time.Now(), "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{sec.Key, sec2.Key} {
		wh, err := svix.NewWebhook(key)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(msg.Body, msg.Header); err != nil {
			t.Errorf("svix verifier refuses pollhook's signature with %s...: %v", key[:10], err)
		}
	}

	if err := client.Endpoint.Delete(ctx, app.Id, ep.Id); err != nil {
		t.Fatalf("delete endpoint: %v", err)
	}
	if _, err := client.Endpoint.Get(ctx, app.Id, ep.Id); err == nil {
		t.Fatal("deleted endpoint still there")
	}
	if err := admin.Application.Delete(ctx, app.Id); err != nil {
		t.Fatalf("delete app: %v", err)
	}
}
