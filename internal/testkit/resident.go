package testkit

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// MappedKiB is the resident memory of the process's maps of the file at
// path, from /proc/self/smaps; it skips the test where there is none.
func MappedKiB(t testing.TB, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	kib, in := 0, false
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		switch {
		case len(fields) >= 5 && !strings.HasSuffix(fields[0], ":"): // a map's first line
			in = len(fields) >= 6 && fields[5] == path
		case in && len(fields) == 3 && fields[0] == "Rss:":
			n, _ := strconv.Atoi(fields[1])
			kib += n
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return kib
}
