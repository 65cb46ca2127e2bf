package poller

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/store"
)

// Most polls of most APIs get the very bytes they got last time. Preparing
// them again (validate, select, fingerprint) would only find the sum the
// state holds already, and it is the largest part of such a poll's work
// after the request: a watch's state keeps a fingerprint of the raw answer
// its value came from (AnswerSum), and an answer with that fingerprint is
// the snapshot's value again.
//
// The fingerprint covers all that Prepare reads: every page, the format,
// and the watch's diff settings (all of them, not only those that shape
// the value: a setting changed costs one poll's Prepare, never a change
// missed). The rest of what shapes a value (URL, request, pagination) is
// the watch's Identity, which must be the state's too. A SHA-256 is the
// hash: it is as fast here as a non-cryptographic one, and no API can make
// one answer pass for another.

// settingsSum fingerprints a watch's diff settings, for answerSum.
func settingsSum(w *config.Watch) [sha256.Size]byte {
	data, err := json.Marshal(w.Diff)
	if err != nil {
		// Plain data cannot fail to encode; if it ever does, the error
		// text stands in, and such watches are merely prepared more often.
		data = []byte(err.Error())
	}
	return sha256.Sum256(data)
}

// answerSum fingerprints an answer's pages, read in format under the
// watch's diff settings. It is never 0, the sum of no answer.
func answerSum(in *watchInfo, format diff.Format, pages [][]byte) uint64 {
	h := sha256.New()
	h.Write(in.settings[:])
	h.Write([]byte(format))
	var n [8]byte
	for _, page := range pages {
		// Each page with its length: two pages never read as other two.
		binary.LittleEndian.PutUint64(n[:], uint64(len(page)))
		h.Write(n[:])
		h.Write(page)
	}
	var sum [sha256.Size]byte
	return max(binary.LittleEndian.Uint64(h.Sum(sum[:0])), 1)
}

// sameAnswer reports whether an answer whose answerSum is sum is one the
// snapshot's value came from: the state has a baseline of the watch as it
// is configured (the same identity, a format fixed), and the answer's sum.
func sameAnswer(state store.WatchState, identity string, sum uint64) bool {
	return state.AnswerSum == sum && state.Baseline && state.Identity == identity && state.Format != ""
}
