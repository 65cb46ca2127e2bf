package store

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pollhook/pollhook/event"
)

// The applications and endpoints of subscriptions: what consumers
// register at runtime. They are few (a quota per application), so they
// are looked up by scanning their bucket.
var (
	bucketApps      = []byte("apps")      // app id -> App JSON
	bucketEndpoints = []byte("endpoints") // endpoint id -> Endpoint JSON
)

// ErrExists means another record already has the id or uid asked for.
var ErrExists = errors.New("already exists")

// ErrQuota means an application has as many endpoints as it may.
var ErrQuota = errors.New("endpoint quota reached")

// App is an application: one consumer, who registers endpoints.
type App struct {
	ID   string `json:"id"`
	UID  string `json:"uid,omitempty"`
	Name string `json:"name"`
	// TokenHash is the hex SHA-256 of the application's token; "" when
	// it has none.
	TokenHash string            `json:"token_hash,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`
	Created   time.Time         `json:"created"`
	Updated   time.Time         `json:"updated"`
}

// EndpointSecret is one signing secret of an endpoint.
type EndpointSecret struct {
	Key string `json:"key"` // "whsec_..."
	// Expires is when a rotated secret stops signing; zero for the
	// current one.
	Expires time.Time `json:"expires,omitzero"`
}

// What an endpoint's Status may be.
const (
	// EndpointPending: not verified yet; it gets no event.
	EndpointPending = "pending"
	// EndpointActive: verified; it gets the events it subscribed to.
	EndpointActive = "active"
	// EndpointFailed: verification gave up (StatusReason says why).
	EndpointFailed = "failed"
)

// Endpoint is a webhook URL a consumer registered.
type Endpoint struct {
	ID          string `json:"id"`
	App         string `json:"app"`
	UID         string `json:"uid,omitempty"`
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
	// FilterTypes and Channels (watch names) select its events; nil: all.
	FilterTypes []string `json:"filter_types,omitempty"`
	Channels    []string `json:"channels,omitempty"`
	Disabled    bool     `json:"disabled,omitempty"`
	// DisabledReason says who or what disabled it.
	DisabledReason string `json:"disabled_reason,omitempty"`
	// RateLimit caps its deliveries per second; 0: none.
	RateLimit int               `json:"rate_limit,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`
	// Secrets sign its deliveries, the current one first.
	Secrets []EndpointSecret `json:"secrets"`
	// Status is EndpointPending, EndpointActive or EndpointFailed.
	Status       string `json:"status"`
	StatusReason string `json:"status_reason,omitempty"`
	// AllowedRate is the rate its verification granted, per minute; 0:
	// none given.
	AllowedRate    int       `json:"allowed_rate,omitempty"`
	VerifyAttempts int       `json:"verify_attempts,omitempty"`
	NextVerify     time.Time `json:"next_verify,omitzero"`
	// FailingSince is the first failed attempt since its last success.
	FailingSince time.Time `json:"failing_since,omitzero"`
	// Seq numbers the events about the endpoint itself
	// (subscription.disabled), committed as of a watch named as its id.
	Seq     uint64    `json:"seq,omitempty"`
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// DisabledByOperator is the DisabledReason of an endpoint the operator
// disabled (pollhook endpoint disable): only the operator enables it.
const DisabledByOperator = "disabled by the operator"

// Admits reports whether the endpoint gets events of type typ of watch:
// it is active and enabled, and its channels and filter types admit them.
func (e *Endpoint) Admits(watch, typ string) bool {
	return e.Status == EndpointActive && !e.Disabled &&
		(e.Channels == nil || slices.Contains(e.Channels, watch)) &&
		(e.FilterTypes == nil || slices.Contains(e.FilterTypes, typ))
}

// IsEndpoint reports whether a delivery's target is an endpoint.
func IsEndpoint(target string) bool { return strings.HasPrefix(target, "ep_") }

// CreateApp stores a new application; its ID is made when empty.
// ErrExists when its id or uid is taken.
func (db *DB) CreateApp(ctx context.Context, a App) (App, error) {
	if err := ctxErr(ctx); err != nil {
		return App{}, err
	}
	now := time.Now().UTC()
	if a.ID == "" {
		a.ID = event.NewPrefixedID("app_", now)
	}
	a.Created, a.Updated = now, now
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketApps)
		if b.Get([]byte(a.ID)) != nil {
			return fmt.Errorf("application %s: %w", a.ID, ErrExists)
		}
		if a.UID != "" {
			if _, err := findApp(b, a.UID); err == nil {
				return fmt.Errorf("application uid %q: %w", a.UID, ErrExists)
			}
		}
		return putJSON(b, []byte(a.ID), a)
	})
	if err != nil {
		return App{}, fmt.Errorf("create application: %w", err)
	}
	return a, nil
}

// App returns the application with that id or uid; ErrNotFound.
func (db *DB) App(ctx context.Context, idOrUID string) (App, error) {
	if err := ctxErr(ctx); err != nil {
		return App{}, err
	}
	var a App
	err := db.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketApps)
		if b == nil {
			return ErrNotFound
		}
		var err error
		a, err = findApp(b, idOrUID)
		return err
	})
	if err != nil {
		return App{}, fmt.Errorf("application %s: %w", idOrUID, err)
	}
	return a, nil
}

// findApp finds an application by id, else by uid.
func findApp(b *bolt.Bucket, idOrUID string) (App, error) {
	var a App
	if found, err := getJSON(b, []byte(idOrUID), &a); found || err != nil {
		return a, err
	}
	err := b.ForEach(func(_, v []byte) error {
		var x App
		if err := json.Unmarshal(v, &x); err != nil {
			return err
		}
		if x.UID != "" && x.UID == idOrUID {
			a = x
			return errFound
		}
		return nil
	})
	if errors.Is(err, errFound) {
		return a, nil
	}
	if err != nil {
		return App{}, err
	}
	return App{}, ErrNotFound
}

// errFound ends a ForEach that found what it looked for.
var errFound = errors.New("found")

// Apps returns every application, by id.
func (db *DB) Apps(ctx context.Context) ([]App, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []App
	err := db.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketApps)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var a App
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("application %q: %w", k, err)
			}
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	return out, nil
}

// UpdateApp changes the application id with fn, in one transaction.
func (db *DB) UpdateApp(ctx context.Context, id string, fn func(*App) error) (App, error) {
	if err := ctxErr(ctx); err != nil {
		return App{}, err
	}
	var a App
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketApps)
		found, err := getJSON(b, []byte(id), &a)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
		}
		uid := a.UID
		if err := fn(&a); err != nil {
			return err
		}
		a.ID = id
		if a.UID != uid && a.UID != "" {
			if x, err := findApp(b, a.UID); err == nil && x.ID != id {
				return fmt.Errorf("application uid %q: %w", a.UID, ErrExists)
			}
		}
		a.Updated = time.Now().UTC()
		return putJSON(b, []byte(id), a)
	})
	if err != nil {
		return App{}, fmt.Errorf("update application %s: %w", id, err)
	}
	return a, nil
}

// DeleteApp removes an application and its endpoints, dropping their
// pending and failed deliveries (DeleteEndpoint).
func (db *DB) DeleteApp(ctx context.Context, id string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketApps)
		if b.Get([]byte(id)) == nil {
			return ErrNotFound
		}
		eps, err := endpoints(tx, id)
		if err != nil {
			return err
		}
		for _, e := range eps {
			if err := deleteEndpoint(tx, e.ID); err != nil {
				return err
			}
		}
		db.endpoints.Store(nil)
		return b.Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("delete application %s: %w", id, err)
	}
	return nil
}

// AppByTokenHash returns the application whose token has that hash.
func (db *DB) AppByTokenHash(ctx context.Context, hash string) (App, error) {
	apps, err := db.Apps(ctx)
	if err != nil {
		return App{}, err
	}
	for _, a := range apps {
		// Compared in constant time, though a hash gives little away.
		if hash != "" && subtle.ConstantTimeCompare([]byte(a.TokenHash), []byte(hash)) == 1 {
			return a, nil
		}
	}
	return App{}, fmt.Errorf("application token: %w", ErrNotFound)
}

// CreateEndpoint stores a new endpoint of e.App; its ID is made when
// empty. ErrNotFound without that application, ErrQuota when it already
// has maxPerApp endpoints (0: no quota), ErrExists when its uid is taken
// in the application.
func (db *DB) CreateEndpoint(ctx context.Context, e Endpoint, maxPerApp int) (Endpoint, error) {
	if err := ctxErr(ctx); err != nil {
		return Endpoint{}, err
	}
	now := time.Now().UTC()
	if e.ID == "" {
		e.ID = event.NewPrefixedID("ep_", now)
	}
	if !IsEndpoint(e.ID) {
		return Endpoint{}, fmt.Errorf("create endpoint: id %q does not start with ep_", e.ID)
	}
	if e.Version == 0 {
		e.Version = 1
	}
	if e.Status == "" {
		e.Status = EndpointPending
	}
	e.Created, e.Updated = now, now
	err := db.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketApps).Get([]byte(e.App)) == nil {
			return fmt.Errorf("application %s: %w", e.App, ErrNotFound)
		}
		b := tx.Bucket(bucketEndpoints)
		if b.Get([]byte(e.ID)) != nil {
			return fmt.Errorf("endpoint %s: %w", e.ID, ErrExists)
		}
		eps, err := endpoints(tx, e.App)
		if err != nil {
			return err
		}
		if maxPerApp > 0 && len(eps) >= maxPerApp {
			return fmt.Errorf("application %s has %d endpoints: %w", e.App, len(eps), ErrQuota)
		}
		for _, x := range eps {
			if e.UID != "" && x.UID == e.UID {
				return fmt.Errorf("endpoint uid %q: %w", e.UID, ErrExists)
			}
		}
		db.endpoints.Store(nil)
		return putJSON(b, []byte(e.ID), e)
	})
	if err != nil {
		return Endpoint{}, fmt.Errorf("create endpoint: %w", err)
	}
	return e, nil
}

// Endpoint returns the endpoint with that id or uid of application app
// ("": of any application); ErrNotFound.
func (db *DB) Endpoint(ctx context.Context, app, idOrUID string) (Endpoint, error) {
	if err := ctxErr(ctx); err != nil {
		return Endpoint{}, err
	}
	var e Endpoint
	err := db.view(func(tx *bolt.Tx) error {
		var err error
		e, err = findEndpoint(tx, app, idOrUID)
		return err
	})
	if err != nil {
		return Endpoint{}, fmt.Errorf("endpoint %s: %w", idOrUID, err)
	}
	return e, nil
}

// findEndpoint finds an endpoint of app ("": any) by id, else by uid.
func findEndpoint(tx *bolt.Tx, app, idOrUID string) (Endpoint, error) {
	b := tx.Bucket(bucketEndpoints)
	if b == nil {
		return Endpoint{}, ErrNotFound
	}
	var e Endpoint
	found, err := getJSON(b, []byte(idOrUID), &e)
	if err != nil {
		return Endpoint{}, err
	}
	if found && (app == "" || e.App == app) {
		return e, nil
	}
	if app == "" {
		return Endpoint{}, ErrNotFound
	}
	eps, err := endpoints(tx, app)
	if err != nil {
		return Endpoint{}, err
	}
	for _, x := range eps {
		if x.UID != "" && x.UID == idOrUID {
			return x, nil
		}
	}
	return Endpoint{}, ErrNotFound
}

// Endpoints returns the endpoints of application app ("": of every
// application), by id.
func (db *DB) Endpoints(ctx context.Context, app string) ([]Endpoint, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []Endpoint
	err := db.view(func(tx *bolt.Tx) error {
		var err error
		out, err = endpoints(tx, app)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list endpoints: %w", err)
	}
	return out, nil
}

// endpoints reads the endpoints of app ("": all), by id.
func endpoints(tx *bolt.Tx, app string) ([]Endpoint, error) {
	b := tx.Bucket(bucketEndpoints)
	if b == nil {
		return nil, nil
	}
	var out []Endpoint
	err := b.ForEach(func(k, v []byte) error {
		var e Endpoint
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("endpoint %q: %w", k, err)
		}
		if app == "" || e.App == app {
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// UpdateEndpoint changes an endpoint of app ("": any) with fn, in one
// transaction. Its id and application stay.
func (db *DB) UpdateEndpoint(ctx context.Context, app, id string, fn func(*Endpoint) error) (Endpoint, error) {
	if err := ctxErr(ctx); err != nil {
		return Endpoint{}, err
	}
	var e Endpoint
	err := db.update(func(tx *bolt.Tx) error {
		var err error
		if e, err = findEndpoint(tx, app, id); err != nil {
			return err
		}
		id, owner, uid := e.ID, e.App, e.UID
		if err := fn(&e); err != nil {
			return err
		}
		e.ID, e.App = id, owner
		if e.UID != uid && e.UID != "" {
			eps, err := endpoints(tx, owner)
			if err != nil {
				return err
			}
			for _, x := range eps {
				if x.ID != id && x.UID == e.UID {
					return fmt.Errorf("endpoint uid %q: %w", e.UID, ErrExists)
				}
			}
		}
		e.Updated = time.Now().UTC()
		db.endpoints.Store(nil)
		return putJSON(tx.Bucket(bucketEndpoints), []byte(id), e)
	})
	if err != nil {
		return Endpoint{}, fmt.Errorf("update endpoint %s: %w", id, err)
	}
	return e, nil
}

// DeleteEndpoint removes an endpoint of app ("": any) and drops its
// pending and failed deliveries: nothing is sent to it any more, and its
// dead letters no longer keep their events from being pruned. Its
// delivered ones stay until they are pruned.
func (db *DB) DeleteEndpoint(ctx context.Context, app, id string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	err := db.update(func(tx *bolt.Tx) error {
		e, err := findEndpoint(tx, app, id)
		if err != nil {
			return err
		}
		db.endpoints.Store(nil)
		return deleteEndpoint(tx, e.ID)
	})
	if err != nil {
		return fmt.Errorf("delete endpoint %s: %w", id, err)
	}
	return nil
}

// deleteEndpoint removes endpoint id with its queues and its pending and
// failed deliveries.
func deleteEndpoint(tx *bolt.Tx, id string) error {
	var drop [][]byte
	if tb := tx.Bucket(bucketQueue).Bucket([]byte(id)); tb != nil {
		err := tb.ForEachBucket(func(watch []byte) error {
			return tb.Bucket(watch).ForEach(func(_, ev []byte) error {
				drop = append(drop, deliveryKey(string(ev), id))
				return nil
			})
		})
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketQueue).DeleteBucket([]byte(id)); err != nil {
			return err
		}
	}
	c := tx.Bucket(bucketFailed).Cursor()
	suffix := append([]byte{0}, id...)
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if bytes.HasSuffix(k, suffix) {
			drop = append(drop, bytes.Clone(k))
		}
	}
	for _, k := range drop {
		for _, b := range [][]byte{bucketDeliveries, bucketAttempts, bucketFailed} {
			if err := tx.Bucket(b).Delete(k); err != nil {
				return err
			}
		}
	}
	return tx.Bucket(bucketEndpoints).Delete([]byte(id))
}

// subscribers returns the endpoints that get an event of type typ of
// watch, in tx. The endpoints are read once and kept until a write
// changes them (db.endpoints): every write of an endpoint forgets them
// in its own transaction, and bbolt runs one write transaction at a
// time, so a commit never sees endpoints older than its transaction.
func (db *DB) subscribers(tx *bolt.Tx, watch, typ string) ([]string, error) {
	eps := db.endpoints.Load()
	if eps == nil {
		all, err := endpoints(tx, "")
		if err != nil {
			return nil, err
		}
		eps = &all
		db.endpoints.Store(eps)
	}
	var out []string
	for i := range *eps {
		if e := &(*eps)[i]; e.Admits(watch, typ) {
			out = append(out, e.ID)
		}
	}
	return out, nil
}

// endpointResult keeps an endpoint's FailingSince: the first failed
// attempt since its last success, zero after a success.
func endpointResult(tx *bolt.Tx, r Result) error {
	b := tx.Bucket(bucketEndpoints)
	var e Endpoint
	found, err := getJSON(b, []byte(r.Target), &e)
	if err != nil || !found {
		return err
	}
	switch ok := r.State == StateDelivered; {
	case ok && !e.FailingSince.IsZero():
		e.FailingSince = time.Time{}
	case !ok && e.FailingSince.IsZero():
		e.FailingSince = r.Attempt.At
	default:
		return nil
	}
	return putJSON(b, []byte(r.Target), e)
}

// Notice is an event about an endpoint itself (subscription.disabled),
// committed as of a watch named as the endpoint's id.
type Notice struct {
	EventID string
	Payload []byte
	Time    time.Time
	// Targets get one delivery each.
	Targets []string
}

// DisableEndpoint disables endpoint id (of any application) with reason,
// and in the same transaction commits the notice that notice makes of
// the disabled endpoint (its Seq is the notice's). An endpoint already
// disabled is left as it is, with no notice; ok says whether it was
// disabled now.
func (db *DB) DisableEndpoint(ctx context.Context, id, reason string, notice func(Endpoint) (Notice, error)) (e Endpoint, ok bool, err error) {
	if err := ctxErr(ctx); err != nil {
		return Endpoint{}, false, err
	}
	err = db.update(func(tx *bolt.Tx) error {
		ok = false
		if e, err = findEndpoint(tx, "", id); err != nil {
			return err
		}
		if e.Disabled {
			return nil
		}
		e.Disabled, e.DisabledReason, e.Seq, e.Updated = true, reason, e.Seq+1, time.Now().UTC()
		db.endpoints.Store(nil)
		if err := putJSON(tx.Bucket(bucketEndpoints), []byte(e.ID), e); err != nil {
			return err
		}
		ok = true
		if notice == nil {
			return nil
		}
		return commitNotice(tx, e, notice)
	})
	if err != nil {
		return Endpoint{}, false, fmt.Errorf("disable endpoint %s: %w", id, err)
	}
	return e, ok, nil
}

// commitNotice commits the notice notice makes of e, as event e.Seq of
// the watch named e.ID.
func commitNotice(tx *bolt.Tx, e Endpoint, notice func(Endpoint) (Notice, error)) error {
	n, err := notice(e)
	if err != nil {
		return err
	}
	c := Commit{Watch: e.ID, State: WatchState{Seq: e.Seq}, EventID: n.EventID, Payload: n.Payload,
		Time: n.Time, Targets: n.Targets}
	var enc encodedCommit
	if err := enc.encode(&c); err != nil {
		return err
	}
	return enc.event(tx)
}

// SendExample queues the event example makes to endpoint id of app, and
// to it alone (Svix's send-example), as the next event about the
// endpoint itself: it shows in its attempts like any other. The Notice's
// Targets are set to the endpoint.
func (db *DB) SendExample(ctx context.Context, app, id string, example func(Endpoint) (Notice, error)) (Notice, error) {
	if err := ctxErr(ctx); err != nil {
		return Notice{}, err
	}
	var sent Notice
	err := db.update(func(tx *bolt.Tx) error {
		e, err := findEndpoint(tx, app, id)
		if err != nil {
			return err
		}
		e.Seq++
		if err := putJSON(tx.Bucket(bucketEndpoints), []byte(e.ID), e); err != nil {
			return err
		}
		db.endpoints.Store(nil)
		return commitNotice(tx, e, func(e Endpoint) (Notice, error) {
			n, err := example(e)
			n.Targets = []string{e.ID}
			sent = n
			return n, err
		})
	})
	if err != nil {
		return Notice{}, fmt.Errorf("send an example to endpoint %s: %w", id, err)
	}
	return sent, nil
}
