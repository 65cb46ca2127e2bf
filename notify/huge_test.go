package notify

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/event"
)

// hugeEvent has n changes full of multibyte text and of characters every
// format escapes; counted is what its counts say (more than n when the
// event itself was truncated).
func hugeEvent(n, counted int) *event.Event {
	ev := goldenEvent()
	ev.Data.Changes = nil
	nasty := `Ünïcödé 日本語 🎉 <b>&amp; "q" ` + "```" + ` *bold* _it_ ~s~ |p| \ #h`
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("v%d.0-ß<&>", i)
		name, _ := json.Marshal(fmt.Sprintf("%s %d", nasty, i))
		switch i % 3 {
		case 0:
			ev.Data.Changes = append(ev.Data.Changes, diff.Change{Op: diff.Added, Key: key,
				Path: fmt.Sprintf(`#(tag==%q)`, key), New: json.RawMessage(`{"name":` + string(name) + `}`)})
		case 1:
			ev.Data.Changes = append(ev.Data.Changes, diff.Change{Op: diff.Changed, Key: key,
				Path: fmt.Sprintf(`#(tag==%q).notes`, key), Old: name, New: json.RawMessage(`"→ <ü> & 🎉"`)})
		default:
			ev.Data.Changes = append(ev.Data.Changes, diff.Change{Op: diff.Removed, Key: key,
				Path: fmt.Sprintf(`#(tag==%q)`, key), Old: json.RawMessage(`{"title":` + string(name) + `}`)})
		}
	}
	ev.Data.Counts = &diff.Counts{Added: counted}
	ev.Data.Truncated = counted > n
	return ev
}

func TestRender_hugeEventIsCutToTheLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		n, counted int
	}{
		{"5000 changes", 5000, 5000},
		{"5000 listed of 7500", 5000, 7500},
		{"5000 linked changes", 5000, 5000},
	}
	for _, tt := range tests {
		ev := hugeEvent(tt.n, tt.counted)
		if strings.Contains(tt.name, "linked") {
			ev = linkedHugeEvent(tt.n, tt.counted, 0)
		}
		want := ev.Lines() // the plain lines, in order
		for _, target := range testTargets() {
			t.Run(tt.name+"/"+target.Kind, func(t *testing.T) {
				got := shown(t, target, ev) // valid JSON, UTF-8, HTML; within limits
				if len(got.changes) == 0 || len(got.changes) >= tt.n {
					t.Fatalf("kept %d of %d changes: not cut", len(got.changes), tt.n)
				}
				if got.more == 0 {
					t.Fatalf("no \"…and N more changes\" line:\n%s", got.text)
				}
				if kept := len(got.changes); kept+got.more != tt.counted {
					t.Errorf("kept %d + %d more = %d, want %d", kept, got.more, kept+got.more, tt.counted)
				}
				// The kept lines are the first lines, whole: escaping came
				// undone exactly, so no escape or character was split.
				for i, l := range got.changes {
					if l != want[i] {
						t.Fatalf("line %d:\n got %q\nwant %q", i, l, want[i])
					}
				}
				if !strings.HasSuffix(strings.TrimSpace(lastChangeOrTail(got.text)), event.MoreLine(got.more)) {
					t.Errorf("the last of the changes is not %q", event.MoreLine(got.more))
				}
			})
		}
	}
}

// lastChangeOrTail returns the last line of text that is a change line or
// the tail, so that the check ignores links and closing fences after it.
func lastChangeOrTail(text string) string {
	var last string
	for _, l := range strings.Split(text, "\n") {
		if moreRE.MatchString(l) || strings.HasPrefix(l, "+ ") || strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "~ ") {
			last = l
		}
	}
	return strings.Trim(last, "_*")
}

func TestRender_truncatedEventFits(t *testing.T) {
	t.Parallel()
	// Few listed changes of many counted: nothing is cut, and the tail
	// says how many more the counts imply.
	ev := hugeEvent(3, 250)
	for _, target := range testTargets() {
		t.Run(target.Kind, func(t *testing.T) {
			got := shown(t, target, ev)
			if len(got.changes) != 3 || got.more != 247 {
				t.Errorf("got %d changes and %d more, want 3 and 247", len(got.changes), got.more)
			}
		})
	}
}
