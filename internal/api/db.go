package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/pollhook/pollhook/store"
)

// The database routes: pollhook db check and pollhook db backup while a
// daemon holds the database (bbolt lets one process open it).

// Database is the store as the database routes use it (*store.DB).
type Database interface {
	// Check checks the whole database (POST /api/db/check).
	Check(ctx context.Context) (store.CheckReport, error)
	// Backup starts a consistent copy of it (GET /api/db/backup).
	Backup(ctx context.Context) (*store.Backup, error)
}

var _ Database = (*store.DB)(nil)

// dbCheck is POST /api/db/check: the report, whatever it found (200), or
// 500 when the check could not run.
func (s *server) dbCheck(w http.ResponseWriter, r *http.Request) {
	// A check reads every page: it may outlast a write timeout meant for
	// ordinary answers.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	rep, err := s.src.Database().Check(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// dbBackup is GET /api/db/backup: the database file as of one read
// transaction, streamed with its length. A copy that fails half-way cuts
// the connection, so the client never takes a short copy for a whole one.
func (s *server) dbBackup(w http.ResponseWriter, r *http.Request) {
	b, err := s.src.Database().Backup(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	defer b.Close()
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(b.Size(), 10))
	h.Set("Content-Disposition", `attachment; filename="pollhook.db"`)
	h.Set("Cache-Control", "no-store")
	if _, err := b.WriteTo(w); err != nil {
		panic(http.ErrAbortHandler)
	}
}

// CheckDB is POST /api/db/check: the daemon checks its database.
func (c *Client) CheckDB(ctx context.Context) (store.CheckReport, error) {
	var rep store.CheckReport
	err := c.call(ctx, http.MethodPost, "/api/db/check", nil, &rep)
	return rep, err
}

// backupTimeout bounds a whole backup through the daemon.
const backupTimeout = time.Hour

// BackupDB is GET /api/db/backup: it writes the daemon's copy of its
// database to w and returns the bytes written. A copy shorter than the
// daemon announced is an error.
func (c *Client) BackupDB(ctx context.Context, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/db/backup", nil)
	if err != nil {
		return 0, err
	}
	// As call does; keep the two in step.
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	// The copy is streamed, not read into memory as call's answers are,
	// and may take longer than their timeout.
	hc := *c.http
	hc.Timeout = backupTimeout
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return 0, errors.New(e.Error)
		}
		return 0, fmt.Errorf("the daemon answered HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength < 0 {
		return 0, errors.New("the daemon's backup has no Content-Length")
	}
	n, err := io.Copy(w, resp.Body)
	if err == nil && n != resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return n, fmt.Errorf("the daemon's backup stopped after %d of %d bytes: %w", n, resp.ContentLength, err)
	}
	return n, nil
}
