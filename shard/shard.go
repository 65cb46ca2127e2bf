// Package shard decides which of N pollhook processes owns a watch:
// rendezvous (highest-random-weight) hashing of the watch's shard key over
// the shards 0..N-1. The hash is fixed (FNV-1a over the key and the
// shard's number, then a 64-bit finalizer), so that every process, of
// every version, computes the same owner for the same key: a change of the
// function would move watches between running pods. Going from N to N+1
// shards moves only the keys the new shard wins, about 1/(N+1) of them.
package shard

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxShards bounds N: more shards than this is a typo, and each decision
// hashes the key once per shard.
const MaxShards = 1024

// Spec is one shard of Count: Index in 0..Count-1. The zero Spec is not
// sharded: it owns every key.
type Spec struct {
	Index, Count int
}

// Sharded reports whether s is a shard at all (of 1 or more): the zero
// Spec is not.
func (s Spec) Sharded() bool { return s.Count > 0 }

// String is "I/N", or "" when not sharded.
func (s Spec) String() string {
	if !s.Sharded() {
		return ""
	}
	return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count)
}

// Owns reports whether the shard owns key. An unsharded Spec owns all.
func (s Spec) Owns(key string) bool {
	return !s.Sharded() || Owner(key, s.Count) == s.Index
}

// Parse reads "I/N": shard I of N, 0 <= I < N <= MaxShards.
func Parse(v string) (Spec, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return Spec{}, fmt.Errorf("want I/N such as \"0/3\" (shard I of N, counted from 0), got %q", v)
	}
	idx, err1 := number(strings.TrimSpace(i))
	cnt, err2 := number(strings.TrimSpace(n))
	if err1 != nil || err2 != nil {
		return Spec{}, fmt.Errorf("want I/N such as \"0/3\" (shard I of N, counted from 0), got %q", v)
	}
	return New(idx, cnt)
}

// number reads a shard number: decimal digits, without a sign or leading
// zeros, so that one shard has one spelling.
func number(s string) (int, error) {
	if s == "" || len(s) > 1 && s[0] == '0' || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("not a shard number: %q", s)
	}
	return strconv.Atoi(s)
}

// New is shard index of count, checked.
func New(index, count int) (Spec, error) {
	if err := CheckCount(count); err != nil {
		return Spec{}, err
	}
	if index < 0 || index >= count {
		return Spec{}, fmt.Errorf("shard %d of %d: the shard must be 0 to %d", index, count, count-1)
	}
	return Spec{Index: index, Count: count}, nil
}

// CheckCount checks a number of shards.
func CheckCount(n int) error {
	if n < 1 || n > MaxShards {
		return fmt.Errorf("the number of shards must be 1 to %d, got %d", MaxShards, n)
	}
	return nil
}

// ErrNoOrdinal means a hostname does not end in -N.
var ErrNoOrdinal = errors.New("no ordinal suffix")

// Ordinal is the number a StatefulSet pod's hostname ends with:
// "pollhook-2" is 2. A name without a "-N" suffix is ErrNoOrdinal.
func Ordinal(hostname string) (int, error) {
	// A fully qualified name: the pod's name is its first label.
	name, _, _ := strings.Cut(hostname, ".")
	i := strings.LastIndexByte(name, '-')
	if i < 0 || i == len(name)-1 {
		return 0, fmt.Errorf("hostname %q: %w (want a name such as \"pollhook-2\")", hostname, ErrNoOrdinal)
	}
	n, err := strconv.Atoi(name[i+1:])
	if err != nil || n < 0 || name[i+1] == '+' {
		return 0, fmt.Errorf("hostname %q: %w (want a name such as \"pollhook-2\")", hostname, ErrNoOrdinal)
	}
	return n, nil
}

// Owner is the shard, of n, that owns key: the one with the highest
// weight(key, shard). n < 1 is treated as 1.
func Owner(key string, n int) int {
	best, bestW := 0, uint64(0)
	h := fnv1a(key)
	for i := range max(n, 1) {
		w := weight(h, i)
		if i == 0 || w > bestW {
			best, bestW = i, w
		}
	}
	return best
}

// Weights of a key for the shards: FNV-1a of the key, continued over the
// shard's number (8 bytes, little-endian), then the splitmix64 finalizer,
// which mixes FNV's weak low bits into every bit.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnv1a(key string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= fnvPrime
	}
	return h
}

func weight(keyHash uint64, shard int) uint64 {
	h := keyHash
	s := uint64(shard)
	for range 8 {
		h ^= s & 0xff
		h *= fnvPrime
		s >>= 8
	}
	return mix(h)
}

// mix is splitmix64's finalizer.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
