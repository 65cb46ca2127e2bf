package poller

import (
	"log/slog"
	"net/url"
	"strings"

	"github.com/pollhook/pollhook/config"
)

// watchInfo is what a poll needs of a watch's settings that is the same on
// every poll: worked out once per watch instead of once per poll. A
// *config.Watch does not change once loaded (a reload makes new ones), so
// its info is kept by pointer.
type watchInfo struct {
	// log is the poller's logger scoped to the watch.
	log *slog.Logger
	// identity is Identity(w).
	identity string
	// url is the watch's RequestURL parsed, nil when it does not parse
	// (the request then fails as a bad URL); host is its host:port in
	// lower case, the key of its request slots.
	url  *url.URL
	host string
	// settings fingerprints the watch's diff settings (settingsSum).
	settings [32]byte
}

// info returns w's watchInfo, working it out on the first call.
func (p *Poller) info(w *config.Watch) *watchInfo {
	p.imu.Lock()
	defer p.imu.Unlock()
	if in := p.infos[w]; in != nil {
		return in
	}
	in := &watchInfo{log: p.log.With("watch", w.Name), identity: Identity(w), settings: settingsSum(w)}
	if u, err := url.Parse(w.RequestURL); err == nil {
		in.url, in.host = u, strings.ToLower(u.Host)
	}
	p.infos[w] = in
	return in
}

// dropInfos forgets the info of every watch, so that the watches of an
// old configuration are not kept: Apply calls it with each new one. Polls
// in flight keep the info they hold.
func (p *Poller) dropInfos() {
	p.imu.Lock()
	defer p.imu.Unlock()
	clear(p.infos)
}
