package wire

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
)

func serve(t *testing.T, h Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = Serve(ln, h) }()
	t.Cleanup(func() { _ = ln.Close() })
	return "http://" + ln.Addr().String()
}

// echo answers GET with the path and query parameter q, POST with the
// body, and DELETE with 204.
func echo(r *Request) Response {
	switch r.Method {
	case "GET":
		return Response{Status: 200, ContentType: "text/plain", Body: []byte(r.Path() + " q=" + r.Query("q"))}
	case "POST":
		return Response{Status: 200, Body: r.Body}
	case "DELETE":
		return Response{Status: 204}
	}
	return Response{Status: 405}
}

// TestServe_WithGoClient: Go's client (pollhook's) reads what the server
// answers, keeps the connection for the next request, and sends bodies
// it reads whole.
func TestServe_WithGoClient(t *testing.T) {
	base := serve(t, echo)
	client := &http.Client{}
	reused := 0
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if i.Reused {
			reused++
		}
	}}
	do := func(method, path, body string) (int, string, http.Header) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, base+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b), resp.Header
	}
	for range 3 {
		if code, body, h := do("GET", "/w/7?q=yes&r=no", ""); code != 200 || body != "/w/7 q=yes" || h.Get("Content-Type") != "text/plain" {
			t.Errorf("GET: %d %q %v", code, body, h)
		}
	}
	big := strings.Repeat("ünïcödé ", 20000)
	if code, body, _ := do("POST", "/hook", big); code != 200 || body != big {
		t.Errorf("POST: %d, %d bytes back of %d", code, len(body), len(big))
	}
	if code, body, _ := do("DELETE", "/stats", ""); code != 204 || body != "" {
		t.Errorf("DELETE: %d %q", code, body)
	}
	if reused != 4 {
		t.Errorf("%d of 5 requests reused the connection, want 4", reused)
	}
}

// TestServe_Refuses: what the server does not read (a chunked body, a
// broken request line) gets a 400 and the connection closes; a request
// that says Connection: close is answered and closed.
func TestServe_Refuses(t *testing.T) {
	addr := strings.TrimPrefix(serve(t, echo), "http://")
	for _, c := range []struct{ name, req, want string }{
		{"chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "HTTP/1.1 400 "},
		{"bad request line", "HELLO\r\n\r\n", "HTTP/1.1 400 "},
		{"bad length", "POST / HTTP/1.1\r\nContent-Length: -3\r\n\r\n", "HTTP/1.1 400 "},
		{"close", "GET /a HTTP/1.1\r\nConnection: close\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\n/a q="},
		{"HTTP/1.0", "GET /b HTTP/1.0\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\n/b q="},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, c.req); err != nil {
				t.Fatal(err)
			}
			// The server closes the connection after: ReadAll ends.
			got, err := io.ReadAll(bufio.NewReader(conn))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(got, []byte(c.want)) || c.name == "close" && string(got) != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
