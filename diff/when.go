package diff

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"github.com/tidwall/gjson"
)

// A when condition has two forms. A gjson query condition ("price<100")
// tests one version of the element a change belongs to. An expression
// ("old.price >= 100 && new.price < 100") sees both versions and the
// change: it is written in the expr language (github.com/expr-lang/expr),
// compiled once by Compile against the typed environment whenEnv, and run
// on a VM the diff owns. The language has no side effects and no I/O;
// Compile leaves out its one builtin that reads the clock (now), so the
// diff stays pure. A condition is an expression exactly when it names old
// or new (isExpression).

// whenEnv is what an expression sees: the two versions of the element a
// change belongs to (JSON decoded: objects are maps, numbers float64;
// nil for the missing side of an added or removed element), the change's
// kind, key, label and path. For text watches old and new are the two
// texts and path is the line number.
type whenEnv struct {
	Old   any    `expr:"old"`
	New   any    `expr:"new"`
	Op    string `expr:"op"`
	Key   string `expr:"key"`
	Label string `expr:"label"`
	Path  string `expr:"path"`
}

// maxWhenNodes bounds the size of an expression.
const maxWhenNodes = 1000

// whenExpr is a compiled expression and what of whenEnv it reads.
type whenExpr struct {
	prog                       *vm.Program
	old, new, key, label, path bool
	// members are the members of old and new the expression reads, by
	// name (old.price, new["status"], old?.x), when it reads them only so:
	// only those are decoded. Nil when it reads a version whole.
	members []whenMember
	names   map[string]bool
	whole   bool
	// seen are the uses of old and new, ok those that read a member.
	seen, ok []*ast.IdentifierNode
}

// isExpression reports whether a when condition is an expression rather
// than a gjson query: it names old or new, as a word of its own outside
// quotes that does not follow a "." or a "\" (so the gjson paths
// "item.new" and "\new", a member called new, do not count).
func isExpression(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			for i++; i < len(s) && s[i] != c; i++ {
				if s[i] == '\\' && c != '`' {
					i++
				}
			}
		case c == '\\':
			i++
			for i+1 < len(s) && identByte(s[i+1]) {
				i++
			}
		case identByte(c):
			j := i
			for j < len(s) && identByte(s[j]) {
				j++
			}
			w := s[i:j]
			if (w == "old" || w == "new") && (i == 0 || s[i-1] != '.') {
				return true
			}
			i = j - 1
		}
	}
	return false
}

func identByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// compileWhen compiles an expression.
func compileWhen(src string) (*whenExpr, error) {
	prog, err := expr.Compile(src, expr.Env(whenEnv{}), expr.AsBool(),
		expr.DisableBuiltin("now"), expr.MaxNodes(maxWhenNodes))
	if err != nil {
		msg := exprError(err)
		switch {
		case strings.HasPrefix(msg, "unknown name now "):
			msg += " (a condition does not read the clock)"
		case strings.HasPrefix(msg, "unknown name "):
			msg += ` (an expression reads the element's members through old and new: "new.price")`
		case strings.Contains(src, "#("):
			// A gjson query, on a member called old or new.
			msg += ` (a gjson condition on a member called old or new writes it \old or \new)`
		}
		return nil, fmt.Errorf("%q: %s", src, msg)
	}
	root := prog.Node()
	if what := notBool(root); what != "" {
		return nil, fmt.Errorf("%q: expected bool, but %s", src, what)
	}
	w := &whenExpr{prog: prog, names: map[string]bool{}}
	ast.Walk(&root, w)
	for _, id := range w.seen {
		if !slices.Contains(w.ok, id) {
			w.whole = true
		}
	}
	if !w.whole {
		for name := range w.names {
			// gjson finds a member by its escaped name, except "".
			w.whole = w.whole || name == ""
			w.members = append(w.members, whenMember{name, gjson.Escape(name)})
		}
	}
	if w.whole {
		w.members = nil
	}
	w.seen, w.ok, w.names = nil, nil, nil
	return w, nil
}

// notBool says what an expression gives when that is never true or false
// although the type checker (expr.AsBool) cannot tell, since the members
// of old and new have no type until the expression runs: arithmetic and a
// sign give a number (a string or a list for "+"), and so does a "??"
// default or a branch of "?:" that is one. It is "" when the value may be
// true or false (new.draft, new.a ?? new.b): that is known only when the
// expression runs on a change.
func notBool(n ast.Node) string {
	switch n := n.(type) {
	case *ast.BinaryNode:
		switch n.Operator {
		case "+":
			return `"+" gives a number, a string or a list`
		case "-", "*", "/", "%", "**", "^":
			return fmt.Sprintf("%q gives a number", n.Operator)
		case "??":
			return notBool(n.Right)
		}
	case *ast.UnaryNode:
		if n.Operator == "-" || n.Operator == "+" {
			return fmt.Sprintf("a sign (%q) gives a number", n.Operator)
		}
	case *ast.ConditionalNode:
		if what := notBool(n.Exp1); what != "" {
			return what
		}
		return notBool(n.Exp2)
	}
	if t := n.Type(); t != nil && t.Kind() != reflect.Bool && t.Kind() != reflect.Interface {
		return "got " + t.String()
	}
	return ""
}

// whenMember is a member an expression reads: its name, and the gjson
// path that finds it.
type whenMember struct{ name, path string }

// Visit notes the names of whenEnv an expression reads, and the members
// of old and new. Walk visits a member access after its object.
func (w *whenExpr) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.MemberNode:
		id, ok := x.Node.(*ast.IdentifierNode)
		name, named := x.Property.(*ast.StringNode)
		if ok && named && (id.Value == "old" || id.Value == "new") {
			w.ok = append(w.ok, id)
			w.names[name.Value] = true
		}
	case *ast.IdentifierNode:
		switch x.Value {
		case "old":
			w.old = true
			w.seen = append(w.seen, x)
		case "new":
			w.new = true
			w.seen = append(w.seen, x)
		case "key":
			w.key = true
		case "label":
			w.label = true
		case "path":
			w.path = true
		case "$env":
			w.old, w.new, w.key, w.label, w.path, w.whole = true, true, true, true, true, true
		}
	}
}

// exprError is an error of expr on one line: its message and the column
// of the condition it points at.
func exprError(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) {
		msg, _, _ := strings.Cut(fe.Message, "\n")
		switch {
		case fe.Snippet != "" && fe.Line > 1:
			return fmt.Sprintf("%s (line %d, column %d)", msg, fe.Line, fe.Column+1)
		case fe.Snippet != "":
			return fmt.Sprintf("%s (column %d)", msg, fe.Column+1)
		}
		return msg
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

// WhenError is a when expression that failed on a change at run time: a
// member missing (old is nil for an added element), a value of the wrong
// type. Such a change does not fire; it counts in Result.NotWhen.
type WhenError struct {
	// Op and Key name the first change it failed on.
	Op  Op
	Key string
	// Err is expr's error: its text depends on the condition and the kind
	// of values it met, not on the element, so it names a problem once.
	Err error
}

// Error says what failed.
func (e *WhenError) Error() string { return "when: " + e.Err.Error() }

// Unwrap returns expr's error.
func (e *WhenError) Unwrap() error { return e.Err }

// whenCache holds the decoded versions of the last element an expression
// was run on, found by the starts of their spans (-1 for none): the
// changes of one element come one after another.
type whenCache struct {
	ostart, nstart int
	old, new       any
	valid          bool
}

// evaluator runs a watch's expression during one Diff.
type evaluator struct {
	w     *whenExpr
	vm    vm.VM
	env   whenEnv
	cache whenCache
	res   *Result
}

// MaxWhenErrs bounds the distinct failures of a when expression one diff
// keeps (Result.WhenErrs).
const MaxWhenErrs = 8

// run runs the expression on env. A failure counts in the result, and
// the first of each distinct failure is kept: key gives the key of its
// change.
func (e *evaluator) run(key func() string) bool {
	out, err := e.vm.Run(e.w.prog, &e.env)
	if err == nil {
		b, ok := out.(bool)
		if ok {
			return b
		}
		err = fmt.Errorf("the condition gave %T, not true or false", out)
	}
	e.res.WhenFailed++
	if len(e.res.WhenErrs) == MaxWhenErrs {
		return false
	}
	msg := exprError(err)
	for _, we := range e.res.WhenErrs {
		if we.Err.Error() == msg {
			return false
		}
	}
	e.res.WhenErrs = append(e.res.WhenErrs, &WhenError{Op: Op(e.env.Op), Key: key(), Err: errors.New(msg)})
	return false
}

// decode returns a JSON value as expr sees it: of an object, only the
// members given when there are some (the first of duplicates, as for
// the whole object). gjson finds them without decoding the others.
func decode(raw []byte, members []whenMember) any {
	if members == nil || raw[0] != '{' {
		return gjson.ParseBytes(raw).Value()
	}
	m := make(map[string]any, len(members))
	for _, mb := range members {
		if v := gjson.GetBytes(raw, mb.path); v.Exists() {
			m[mb.name] = v.Value()
		}
	}
	return m
}

// opIndex is the slot of owner.when an expression's result for op is
// kept in.
func opIndex(op Op) int {
	switch op {
	case Added:
		return 0
	case Removed:
		return 1
	}
	return 2
}

// matches tests a change against the watch's when condition: op is its
// kind, ow its element; l or path (whichever is set) where it is.
func (j *jdiff) matches(op Op, ow *owner, l *loc, path string) bool {
	if j.d.when != "" {
		return j.whenQuery(ow, op == Removed)
	}
	w := j.d.expr
	i := opIndex(op)
	if !w.path && ow.when[i] != 0 {
		return ow.when[i] == 1
	}
	e := j.eval
	if e == nil {
		e = &evaluator{w: w, res: j.res}
		j.eval = e
	}
	e.env = whenEnv{Op: string(op)}
	if w.old || w.new {
		os, ns := -1, -1
		if ow.old != nil {
			os = ow.old.start
		}
		if ow.new != nil {
			ns = ow.new.start
		}
		c := &e.cache
		if !c.valid || c.ostart != os || c.nstart != ns {
			*c = whenCache{ostart: os, nstart: ns, valid: true}
			if w.old && ow.old != nil {
				c.old = decode(span(j.o.data, ow.old), w.members)
			}
			if w.new && ow.new != nil {
				c.new = decode(span(j.n.data, ow.new), w.members)
			}
		}
		e.env.Old, e.env.New = c.old, c.new
	}
	if w.key {
		e.env.Key = ownerKey(ow)
	}
	if w.label && j.d.named {
		e.env.Label, _ = j.elemNames(ow, op == Removed)
	}
	if w.path {
		if l != nil {
			path = l.path(op == Removed)
		}
		e.env.Path = path
	}
	ok := e.run(func() string { return ownerKey(ow) })
	if !w.path {
		ow.when[i] = 2
		if ok {
			ow.when[i] = 1
		}
	}
	return ok
}

// span is the raw value of nd in data. The root value's end is known once
// it has been read to its end; before that, it is the rest of data.
func span(data []byte, nd *node) []byte {
	if nd.end < 0 {
		return bytes.TrimRight(data[nd.start:], " \t\r\n")
	}
	return data[nd.start:nd.end]
}

// whenQuery tests the gjson when condition against the owner's old or new
// version.
func (j *jdiff) whenQuery(ow *owner, old bool) bool {
	i := 1
	nd, data := ow.new, j.n.data
	if old || nd == nil {
		i, nd, data = 0, ow.old, j.o.data
	}
	if nd == nil {
		return false
	}
	if ow.when[i] == 0 {
		end := nd.end
		if end < 0 {
			return false
		}
		j.tmp = append(j.tmp[:0], '[')
		j.tmp = append(j.tmp, data[nd.start:end]...)
		j.tmp = append(j.tmp, ']')
		ow.when[i] = 2
		if gjson.GetBytes(j.tmp, j.d.when).Exists() {
			ow.when[i] = 1
		}
	}
	return ow.when[i] == 1
}

// textWhen tests a text watch's change against its expression: old and
// new are the two texts, path the change's line number (i, 0-based).
type textWhen struct {
	e        evaluator
	old, new []byte
	decoded  bool
	known    [3]int8
}

func (t *textWhen) matches(op Op, i int) bool {
	w := t.e.w
	k := opIndex(op)
	if !w.path && t.known[k] != 0 {
		return t.known[k] == 1
	}
	if !t.decoded {
		t.decoded = true
		if w.old {
			t.e.cache.old = string(t.old)
		}
		if w.new {
			t.e.cache.new = string(t.new)
		}
	}
	t.e.env = whenEnv{Op: string(op), Old: t.e.cache.old, New: t.e.cache.new}
	if w.path {
		t.e.env.Path = strconv.Itoa(i + 1)
	}
	ok := t.e.run(func() string { return "" })
	if !w.path {
		t.known[k] = 2
		if ok {
			t.known[k] = 1
		}
	}
	return ok
}
