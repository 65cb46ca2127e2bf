package poller

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadBody(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("0123456789", 500)
	errBroken := errors.New("connection reset")
	tests := []struct {
		name    string
		r       io.Reader
		hint    int64
		want    string
		wantCap int // 0: any
		wantErr error
	}{
		{"the length it said", strings.NewReader(body), int64(len(body)), body, len(body) + 1, nil},
		{"no length", strings.NewReader(body), -1, body, 0, nil},
		{"a length too short", strings.NewReader(body), 10, body, 0, nil},
		{"a length too long", strings.NewReader(body), 1 << 40, body, maxSizeHint + 1, nil},
		{"empty", strings.NewReader(""), 0, "", 1, nil},
		{"one byte at a time", iotest.OneByteReader(strings.NewReader(body)), int64(len(body)), body, len(body) + 1, nil},
		{"cut short", io.MultiReader(strings.NewReader(body[:100]), iotest.ErrReader(errBroken)), int64(len(body)), body[:100], 0, errBroken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readBody(tt.r, tt.hint, nil)
			if string(got) != tt.want || !errors.Is(err, tt.wantErr) {
				t.Fatalf("readBody = %d bytes, %v; want %d bytes, %v", len(got), err, len(tt.want), tt.wantErr)
			}
			if tt.wantCap != 0 && cap(got) != tt.wantCap {
				t.Errorf("capacity %d, want %d (the buffer grew, or was made too large)", cap(got), tt.wantCap)
			}
		})
	}
}

func TestReadBody_buffer(t *testing.T) {
	t.Parallel()
	buf := make([]byte, 3, 100)
	got, err := readBody(strings.NewReader("hello"), 5, buf)
	if err != nil || string(got) != "hello" || &got[0] != &buf[0] {
		t.Errorf("readBody = %q, %v, into the buffer given: %v; want hello, read into it", got, err, err == nil && &got[0] == &buf[0])
	}
	if got, _ := readBody(strings.NewReader("hello"), 5, make([]byte, 0, 4)); cap(got) != 6 {
		t.Errorf("readBody into a buffer too small: capacity %d, want a new buffer of 6", cap(got))
	}
}
