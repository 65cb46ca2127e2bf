package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/store"
)

// Database of the plain fake: the other tests never reach the database
// routes; dbSource serves them.
func (f *fakeSource) Database() Database { return nil }

// dbSource is the fake with a real database behind the database routes.
type dbSource struct {
	*fakeSource
	db *store.DB
}

func (s dbSource) Database() Database { return s.db }

// newDBSource is a fake whose database holds one event queued for one
// target.
func newDBSource(t *testing.T, token string) dbSource {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	err = db.CommitEvent(context.Background(), store.Commit{Watch: "a", State: store.WatchState{Baseline: true, Seq: 1},
		EventID: "msg_1", Payload: []byte(`{"id":"msg_1"}`), Time: time.Now(), Targets: []string{"hook"}})
	if err != nil {
		t.Fatal(err)
	}
	return dbSource{fakeSource: newFake(t, "127.0.0.1:9180", token), db: db}
}

func TestHandler_DBCheck(t *testing.T) {
	src := newDBSource(t, "s3cret")
	h := NewHandler(src, "v-test", nil)
	if status, _ := do(t, h, "POST", "/api/db/check", "", nil); status != http.StatusUnauthorized {
		t.Errorf("check without the token: %d, want 401", status)
	}
	if status, _ := do(t, h, "POST", "/api/db/check", "", map[string]string{"Authorization": "Bearer s3cret", "Origin": "http://evil.example"}); status != http.StatusForbidden {
		t.Errorf("cross-site check: %d, want 403", status)
	}
	status, body := do(t, h, "POST", "/api/db/check", "", map[string]string{"Authorization": "Bearer s3cret"})
	var rep store.CheckReport
	if err := json.Unmarshal([]byte(body), &rep); status != http.StatusOK || err != nil {
		t.Fatalf("check: %d %s (%v)", status, body, err)
	}
	if len(rep.Problems) != 0 || rep.Events != 1 || rep.Deliveries != 1 || rep.Watches != 1 || rep.Size == 0 {
		t.Errorf("check of a sound database = %+v", rep)
	}
}

func TestHandler_DBBackup(t *testing.T) {
	src := newDBSource(t, "s3cret")
	h := NewHandler(src, "v-test", nil)
	if status, _ := do(t, h, "GET", "/api/db/backup", "", nil); status != http.StatusUnauthorized {
		t.Errorf("backup without the token: %d, want 401", status)
	}
	r := httptest.NewRequest("GET", "/api/db/backup", nil)
	r.Host = "127.0.0.1:9180"
	r.Header.Set("Authorization", "Bearer s3cret")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("backup: %d %s", rec.Code, rec.Header())
	}
	if n, _ := strconv.Atoi(rec.Header().Get("Content-Length")); n != rec.Body.Len() || n == 0 {
		t.Errorf("Content-Length %s, body %d bytes", rec.Header().Get("Content-Length"), rec.Body.Len())
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(copyPath, rec.Body.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(copyPath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the copy does not open: %v", err)
	}
	defer db.Close()
	if payload, err := db.Event(context.Background(), "msg_1"); err != nil || string(payload) != `{"id":"msg_1"}` {
		t.Errorf("event in the copy = %s, %v", payload, err)
	}
}

// TestClient_BackupDB: the client writes what the daemon streams, and a
// copy cut short on the way is an error, not a smaller backup.
func TestClient_BackupDB(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string // "" for success
	}{
		{"whole", func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer tok" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Length", "5")
			io.WriteString(w, "bbolt")
		}, ""},
		{"cut short", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "10000")
			io.WriteString(w, "bbolt")
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}, "stopped after 5 of 10000 bytes"},
		{"refused", func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, http.StatusInternalServerError, fmt.Errorf("back up: %w", store.ErrDamaged))
		}, "back up: database damaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			c := &Client{base: srv.URL, token: "tok", http: srv.Client()}
			var buf bytes.Buffer
			n, err := c.BackupDB(context.Background(), &buf)
			switch {
			case tt.want == "" && (err != nil || n != 5 || buf.String() != "bbolt"):
				t.Errorf("BackupDB = %d %q, %v", n, buf.String(), err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("BackupDB error %v, want %q", err, tt.want)
			}
		})
	}
}
